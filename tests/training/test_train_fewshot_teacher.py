"""train fewshot --teacher: the teacher paints the keyframes (once, cached), held-out frames score the student."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from pipeline.core.errors import SettingsError
from pipeline.core.fileio import load_rgb
from pipeline.inference.files import list_sequence
from pipeline.inference.teacher import Teacher, TeacherError
from pipeline.models.checkpoint import load_checkpoint
from pipeline.training.fewshot import FewShotTrainConfig, train_fewshot


def teacher_config(frames: Path, teacher: Path, out: Path, **overrides: Any) -> FewShotTrainConfig:
    settings: dict[str, Any] = dict(
        out=str(out),
        frames=str(frames),
        teacher=str(teacher),
        teacher_cache=str(out.parent / "cache"),
        keyframe_count=3,
        holdout_frames=4,
        preset="fewshot-small",
        patch_size=16,
        batch_size=8,
        max_steps=2,
        eval_every=1,
        patience=0,
        log_every=1,
        checkpoint_every=100,
        vgg_weights="random",
        device="cpu",
        progress=False,
        seed=3,
    )
    return FewShotTrainConfig(**{**settings, **overrides})


def test_the_teacher_paints_the_keyframes_and_held_out_frames_score_the_student(
    level_dir: Path, make_teacher: Callable[..., Path], tmp_path: Path
) -> None:
    teacher = make_teacher()
    result = train_fewshot(teacher_config(level_dir, teacher, tmp_path / "run"))
    frames = list_sequence(level_dir)
    split = result.teacher_split
    keyframes = [k["name"] for k in split["keyframes"]]
    assert len(keyframes) == 3 and len(split["held_out"]) == 4 and not set(keyframes) & set(split["held_out"])
    by_name = {p.stem: p for p in frames}
    reference = Teacher(teacher, tmp_path / "reference-cache", device="cpu")
    for files in result.layout.keyframes:  # each painting is the teacher's output for its frame
        assert (load_rgb(files.target) == reference.stylize(load_rgb(by_name[files.name]))).all()
    checkpoint = load_checkpoint(result.final_checkpoint)
    assert checkpoint.train_config["teacher_split"] == split
    assert json.loads((tmp_path / "run" / "split.json").read_text()) == split
    validation = json.loads((tmp_path / "run" / "validation.json").read_text())
    assert [set(r) for r in validation["validation"]] == [{"step", "validation", "psnr", "ssim", "l1"}] * 2
    assert set(result.held_out_scores_after) == {"psnr", "ssim", "l1"}
    assert validation["held_out_scores_after"] == pytest.approx(result.held_out_scores_after)


def test_the_preview_strip_is_frame_teacher_student_on_a_held_out_frame(
    level_dir: Path, make_teacher: Callable[..., Path], tmp_path: Path
) -> None:
    teacher = make_teacher()
    result = train_fewshot(teacher_config(level_dir, teacher, tmp_path / "run"))
    strip = load_rgb(result.preview)
    assert strip.shape == (32, 3 * 48, 3)
    held_out = {p.stem: p for p in list_sequence(level_dir)}
    # the previewed frame is the held-out frame farthest from any keyframe: find it by its pixels
    frame_tile, teacher_tile = strip[:20, :48], strip[:20, 48:96]  # above the labels
    matches = [n for n in result.teacher_split["held_out"] if (load_rgb(held_out[n])[:20] == frame_tile).all()]
    assert len(matches) == 1
    expected = Teacher(teacher, tmp_path / "cache", device="cpu").stylize(load_rgb(held_out[matches[0]]))
    assert np.abs(expected[:20].astype(int) - teacher_tile).max() <= 1


def test_a_second_run_asks_the_teacher_for_nothing(
    level_dir: Path, make_teacher: Callable[..., Path], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    teacher = make_teacher()
    train_fewshot(teacher_config(level_dir, teacher, tmp_path / "first", max_steps=1))
    assert "on 7 keyframes and held-out frames: 7 computed, 0 from the cache" in caplog.text
    caplog.clear()
    train_fewshot(teacher_config(level_dir, teacher, tmp_path / "second", max_steps=1))
    assert "on 7 keyframes and held-out frames: 0 computed, 7 from the cache" in caplog.text


def test_the_progress_bar_shows_held_out_psnr_and_ssim(
    level_dir: Path, make_teacher: Callable[..., Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    train_fewshot(teacher_config(level_dir, make_teacher(), tmp_path / "run", progress=True))
    bar = capsys.readouterr().err
    assert "held-out PSNR=" in bar and "SSIM=" in bar


@pytest.mark.slow
def test_the_student_comes_closer_to_the_teacher_on_frames_it_never_saw(
    level_dir: Path, make_teacher: Callable[..., Path], tmp_path: Path
) -> None:
    config = teacher_config(level_dir, make_teacher(), tmp_path / "run", max_steps=60, eval_every=20, lr=2e-3)
    result = train_fewshot(config)
    before, after = result.held_out_scores_before, result.held_out_scores_after
    assert after["psnr"] > before["psnr"] + 0.4 and after["l1"] < 0.95 * before["l1"], (before, after)


def test_resume_keeps_the_teachers_split(level_dir: Path, make_teacher: Callable[..., Path], tmp_path: Path) -> None:
    teacher = make_teacher()
    first = train_fewshot(teacher_config(level_dir, teacher, tmp_path / "run", max_steps=1))
    options = {"resume": str(first.final_checkpoint), "max_steps": 2, "teacher_cache": str(tmp_path / "cache")}
    resumed = train_fewshot(FewShotTrainConfig.from_options(options))
    assert resumed.steps == 2 and resumed.teacher_split == first.teacher_split


def test_bad_teacher_settings_are_refused_before_any_work(
    level_dir: Path, make_teacher: Callable[..., Path], make_checkpoint: Callable[..., Path], tmp_path: Path
) -> None:
    teacher = make_teacher()
    config = teacher_config(level_dir, teacher, tmp_path / "o")
    with pytest.raises(SettingsError, match="--teacher paints the keyframes: pass one"):
        replace(config, keyframes=str(level_dir)).validate()
    with pytest.raises(SettingsError, match="--teacher needs --frames DIR"):
        replace(config, frames=None).validate()
    with pytest.raises(SettingsError, match="add --teacher MODEL"):
        replace(config, teacher=None, keyframes="k").validate()
    with pytest.raises(SettingsError, match="--holdout names a painted keyframe"):
        replace(config, holdout="0003").validate()
    with pytest.raises(SettingsError, match="--holdout-frames cannot be negative"):
        replace(config, holdout_frames=-1).validate()
    with pytest.raises(TeacherError, match="trained by `train fewshot`"):
        train_fewshot(teacher_config(level_dir, make_checkpoint("fewshot-small"), tmp_path / "o"))
    assert not (tmp_path / "o").exists()


def test_keyframes_k_is_a_count_with_a_teacher(tmp_path: Path) -> None:
    config = FewShotTrainConfig.from_options({"out": "o", "teacher": "t.pt", "frames": "f", "keyframes": "5"})
    assert config.keyframe_count == 5 and config.keyframes is None
    alone = FewShotTrainConfig.from_options({"out": "o", "keyframes": "5"})  # no folder called 5 here
    with pytest.raises(SettingsError, match="add --teacher MODEL"):
        alone.validate()
