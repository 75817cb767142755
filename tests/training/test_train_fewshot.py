"""train fewshot end to end on a tiny sequence: it learns, resumes exactly, stops by itself."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pipeline.core.fileio import load_rgb
from pipeline.models.checkpoint import load_checkpoint
from pipeline.training.fewshot import FewShotTrainConfig, train_fewshot


def tiny_config(sequence: Path, out: Path, **overrides: Any) -> FewShotTrainConfig:
    settings: dict[str, Any] = dict(
        keyframes=str(sequence / "keyframes"),
        frames=str(sequence / "frames"),
        out=str(out),
        preset="fewshot-small",
        patch_size=16,
        batch_size=8,
        max_steps=4,
        holdout="none",
        eval_every=2,
        log_every=1,
        checkpoint_every=2,
        vgg_weights="random",
        device="cpu",
        progress=False,
        seed=3,
    )
    return FewShotTrainConfig(**{**settings, **overrides})


@pytest.mark.slow
def test_training_brings_the_keyframe_error_well_below_the_untrained_models(
    fewshot_sequence: Path, tmp_path: Path
) -> None:
    result = train_fewshot(
        tiny_config(fewshot_sequence, tmp_path / "run", max_steps=40, eval_every=20, patience=0, lr=2e-3)
    )
    before, after = result.keyframe_l1_before, result.keyframe_l1_after
    assert set(after) == {"f0", "f7"}
    assert all(after[name] < 0.7 * before[name] for name in after), (before, after)
    saved = json.loads((tmp_path / "run" / "validation.json").read_text())
    assert saved["keyframe_l1_after"] == pytest.approx(after)


def test_checkpoints_hold_the_discriminator_and_a_preview_strip(fewshot_sequence: Path, tmp_path: Path) -> None:
    result = train_fewshot(tiny_config(fewshot_sequence, tmp_path / "run", max_steps=2))
    checkpoint = load_checkpoint(result.final_checkpoint)
    assert checkpoint.architecture == "fewshot_generator" and checkpoint.preset == "fewshot-small"
    assert checkpoint.contract.input_range == "-1_1" and checkpoint.step == 2
    assert set(checkpoint.trainer_state) == {"discriminator", "discriminator_optimizer", "early_stop"}
    assert checkpoint.train_config["batch_size"] == 8 and checkpoint.optimizer is not None
    assert set(checkpoint.history[0]) == {"step", "l1", "vgg", "adv", "g_total", "d"}
    strip = load_rgb(result.preview)
    assert strip.shape == (32, 3 * 48, 3)  # frame | stylized | nearest keyframe


def test_resume_continues_the_same_loss_curve(fewshot_sequence: Path, tmp_path: Path) -> None:
    straight = train_fewshot(tiny_config(fewshot_sequence, tmp_path / "straight", max_steps=4))
    train_fewshot(tiny_config(fewshot_sequence, tmp_path / "split", max_steps=2))
    resumed = train_fewshot(
        tiny_config(fewshot_sequence, tmp_path / "split", max_steps=4, resume=str(tmp_path / "split" / "final.pt"))
    )
    assert [e["step"] for e in resumed.history] == [1, 2, 3, 4]
    for a, b in zip(straight.history, resumed.history, strict=True):
        assert a == pytest.approx(b, rel=1e-4), (a, b)


def test_leave_one_out_stops_when_the_held_out_keyframe_stops_improving(fewshot_sequence: Path, tmp_path: Path) -> None:
    config = tiny_config(
        fewshot_sequence, tmp_path / "run", holdout="auto", max_steps=50, eval_every=1, patience=2, min_delta=0.9
    )
    result = train_fewshot(config)
    assert result.held_out == "f7" and result.steps == 3  # step 1 sets the best; 2 and 3 do not beat it by 90%
    assert result.stop_reason.startswith("held-out keyframe f7 L1 has not improved by 90% for 2 validations")
    assert load_checkpoint(result.final_checkpoint).step == 3 and result.history[-1]["step"] == 3


def test_a_time_limit_ends_the_run_with_a_final_checkpoint(fewshot_sequence: Path, tmp_path: Path) -> None:
    result = train_fewshot(tiny_config(fewshot_sequence, tmp_path / "run", max_steps=1000, time_limit=1e-6))
    assert result.steps == 1 and result.stop_reason == "time limit of 1e-06 s reached"
    assert load_checkpoint(result.final_checkpoint).step == 1
