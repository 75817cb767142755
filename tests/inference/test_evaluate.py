"""evaluate: a student against its teacher on frames it never saw, flicker of each, size and measured speed."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from pipeline.core.fileio import load_rgb, save_png
from pipeline.core.metrics import compare_images
from pipeline.export.exporter import export_onnx
from pipeline.inference.evaluate import EvaluateError, evaluate, example_indices, pooled_flicker, score
from pipeline.inference.files import load_stylizer
from pipeline.inference.flicker import flicker_of_arrays
from pipeline.inference.teacher import Teacher, TeacherError
from pipeline.models.checkpoint import load_checkpoint
from pipeline.models.info import count_macs
from pipeline.training.fewshot import FewShotTrainConfig, train_fewshot

FAST = {"width": 48, "height": 32, "fps_seconds": 0.02, "device": "cpu", "progress": False}


def student_of(teacher: Path, frames: Path, out: Path, keyframes: int = 3) -> Path:
    config = FewShotTrainConfig(
        out=str(out), frames=str(frames), teacher=str(teacher), teacher_cache=str(out.parent / "cache"),
        keyframe_count=keyframes, holdout_frames=4, preset="fewshot-small", patch_size=16, batch_size=4, max_steps=1,
        eval_every=10, checkpoint_every=10, log_every=10, vgg_weights="random", device="cpu", progress=False,
    )  # fmt: skip
    return train_fewshot(config).final_checkpoint


def test_the_student_is_scored_against_the_teacher_on_the_frames_it_never_trained_on(
    level_dir: Path, make_teacher: Callable[..., Path], tmp_path: Path
) -> None:
    teacher = make_teacher()
    student = student_of(teacher, level_dir, tmp_path / "run")
    result = evaluate(student, teacher, level_dir, teacher_cache=tmp_path / "cache", **FAST)
    split = load_checkpoint(student).train_config["teacher_split"]
    assert sorted(result.keyframes) == sorted(k["name"] for k in split["keyframes"]) and result.held_out_known
    assert len(result.scores) == 13 and not set(result.keyframes) & {s.name for s in result.scores}
    found = result.scores[0]  # one frame by hand, with PROTOCOL.md's metrics
    image = load_rgb(level_dir / f"{found.name}.png")
    student_out = load_stylizer(student, "cpu")(image)
    teacher_out = Teacher(teacher, tmp_path / "cache", "cpu").stylize(image)
    expected = compare_images(student_out / 255.0, teacher_out / 255.0)
    assert found.psnr == expected["psnr"] and found.ssim == pytest.approx(expected["ssim"])
    assert result.quality()["psnr_mean"] == pytest.approx(np.mean([s.psnr for s in result.scores]))
    figures = result.student
    assert figures.parameters == 133_619 and figures.size_mb == pytest.approx(0.534476)
    assert figures.macs == count_macs(load_checkpoint(student).build_model(), 48, 32)
    assert set(figures.fps) == {"pytorch cpu", "onnxruntime cpu"} and min(figures.fps.values()) > 0
    assert result.teacher.name == "tiny" and set(result.teacher.fps) == {"pytorch cpu", "onnxruntime cpu"}
    assert result.student_flicker.pairs == 15 and result.teacher_flicker.pairs == 15
    data = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert data["frames"]["scored"] == 13 and len(data["per_frame"]) == 13 and data["quality"]["psnr_mean"] > 0


def test_the_teacher_against_itself_is_a_perfect_match_and_flickers_alike(
    level_dir: Path, make_teacher: Callable[..., Path], tmp_path: Path
) -> None:
    teacher = make_teacher()
    result = evaluate(teacher, teacher, level_dir, teacher_cache=tmp_path / "cache", **FAST)
    assert {s.psnr for s in result.scores} == {100.0} and result.quality()["ssim_worst"] == pytest.approx(1.0)
    assert result.student_flicker.flicker == pytest.approx(result.teacher_flicker.flicker)
    assert not result.held_out_known and "every frame is scored" in result.warnings[0]


def test_an_onnx_student_scores_every_frame_and_says_why(
    level_dir: Path, make_teacher: Callable[..., Path], tmp_path: Path
) -> None:
    teacher = make_teacher()
    student = export_onnx(student_of(teacher, level_dir, tmp_path / "run"), tmp_path / "student.onnx").files.onnx
    result = evaluate(student, teacher, level_dir, teacher_cache=tmp_path / "cache", **FAST)
    assert len(result.scores) == 16 and result.keyframes == [] and not result.held_out_known
    assert "does not record the frames it was trained on" in result.warnings[0]
    assert result.student.name == "fewshot-small" and "pytorch cpu" in result.student.fps  # rebuilt from metadata


def test_flicker_pools_runs_of_same_size_frames(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    source = [rng.integers(0, 256, (8, 8, 3), np.uint8)] * 3 + [rng.integers(0, 256, (4, 12, 3), np.uint8)] * 3
    styled = [np.clip(s.astype(int) + rng.integers(-d, d + 1, s.shape), 0, 255).astype(np.uint8)
              for s, d in zip(source, (3, 3, 3, 9, 9, 9), strict=True)]  # fmt: skip
    paths = [save_png(tmp_path / f"s{i}.png", s) for i, s in enumerate(source)]
    outs = [save_png(tmp_path / f"o{i}.png", s) for i, s in enumerate(styled)]
    pooled = pooled_flicker(outs, paths, [s.shape for s in source], 2)
    first, second = flicker_of_arrays(styled[:3], source[:3]), flicker_of_arrays(styled[3:], source[3:])
    assert pooled.pairs == 4 and pooled.static_fraction == 1.0
    assert pooled.flicker == pytest.approx((first.flicker * 64 + second.flicker * 48) / 112)


def test_examples_run_from_the_worst_frame_to_the_best() -> None:
    scores = [score(str(i), np.full((4, 4, 3), 100 + d, np.uint8), np.full((4, 4, 3), 100, np.uint8))
              for i, d in enumerate((5, 1, 40, 9, 2))]  # fmt: skip
    assert [scores[i].name for i in example_indices(scores, 3)] == ["2", "0", "1"]  # worst, median, best
    assert [scores[i].name for i in example_indices(scores, 9)] == ["2", "3", "0", "4", "1"]


def test_what_cannot_be_evaluated_is_refused_plainly(
    level_dir: Path, make_teacher: Callable[..., Path], make_checkpoint: Callable[..., Path], tmp_path: Path
) -> None:
    teacher = make_teacher()
    with pytest.raises(EvaluateError, match=r"the student .* does not exist"):
        evaluate(tmp_path / "nope.pt", teacher, level_dir, **FAST)
    with pytest.raises(TeacherError, match="trained by `train fewshot`"):
        evaluate(teacher, make_checkpoint("fewshot-small"), level_dir, **FAST)
    student = student_of(teacher, level_dir, tmp_path / "run", keyframes=3)
    keyframe = load_checkpoint(student).train_config["teacher_split"]["keyframes"][0]["name"]
    only = tmp_path / "only-keyframes"
    save_png(only / "a.png", load_rgb(level_dir / f"{keyframe}.png"))
    save_png(only / "b.png", load_rgb(level_dir / f"{keyframe}.png"))
    with pytest.raises(EvaluateError, match=r"every frame of .* is one the student was trained on"):
        evaluate(student, teacher, only, teacher_cache=tmp_path / "cache", **FAST)
