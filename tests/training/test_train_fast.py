from __future__ import annotations

import json
import logging
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pytest
import torch

from pipeline.core.errors import SettingsError
from pipeline.core.fileio import load_rgb
from pipeline.models import ModelConfigError, create_model
from pipeline.models.checkpoint import Checkpoint, load_checkpoint, save_checkpoint
from pipeline.training.data import ImageFolderDataset
from pipeline.training.fast import FastTrainConfig, train_fast


def small_config(data_dir: Path, style_image: Path, out: Path, **overrides: object) -> FastTrainConfig:
    settings: dict[str, object] = {
        "image_size": 32,
        "batch_size": 2,
        "epochs": 100,
        "max_steps": 30,
        "lr": 3e-3,
        "vgg_weights": "random",
        "style_layers": "examples",
        "workers": 0,
        "progress": False,
        "log_every": 5,
        "checkpoint_every": 10,
        "seed": 0,
        "device": "cpu",
    }
    settings.update(overrides)
    return FastTrainConfig(data=str(data_dir), style=str(style_image), out=str(out), **settings)  # type: ignore[arg-type]


def test_training_lowers_the_loss_and_writes_previews(data_dir: Path, style_image: Path, tmp_path: Path) -> None:
    result = train_fast(small_config(data_dir, style_image, tmp_path / "run"))
    totals = [h["total"] for h in result.history]
    assert result.steps == 30 and len(totals) == 6
    # Random filters' relative losses start near their ceiling (1 = as far off as zeros, per term) and fall steadily.
    assert totals[-1] < 0.9 * totals[0], totals
    for step in (10, 20):
        assert load_checkpoint(tmp_path / "run" / "checkpoints" / f"ckpt_step_{step:07d}.pt").step == step
        assert (tmp_path / "run" / "checkpoints" / f"ckpt_step_{step:07d}.png").is_file()
    final = load_checkpoint(result.final_checkpoint)
    assert final.step == 30 and final.history == result.history and final.preset == "tiny"
    assert final.train_config is not None and "random" in final.train_config["vgg_weights_used"]
    preview = load_rgb(result.preview)
    first_image = load_rgb(sorted(data_dir.rglob("*.png"))[0])
    assert preview.shape == first_image.shape  # the preview is the full test image, stylized
    assert json.loads((tmp_path / "run" / "history.json").read_text()) == result.history


def test_resume_continues_the_step_count_and_the_loss_curve(data_dir: Path, style_image: Path, tmp_path: Path) -> None:
    straight = train_fast(small_config(data_dir, style_image, tmp_path / "straight", max_steps=20))
    train_fast(small_config(data_dir, style_image, tmp_path / "first", max_steps=10))
    resumed = train_fast(
        small_config(
            data_dir, style_image, tmp_path / "second", max_steps=20, resume=str(tmp_path / "first" / "final.pt")
        )
    )
    assert resumed.steps == 20 and [h["step"] for h in resumed.history] == [5, 10, 15, 20]
    for a, b in zip(straight.history, resumed.history, strict=True):
        assert a["total"] == pytest.approx(b["total"], rel=1e-4)
    end_straight = load_checkpoint(straight.final_checkpoint).state_dict
    end_resumed = load_checkpoint(resumed.final_checkpoint).state_dict
    for key, value in end_straight.items():
        torch.testing.assert_close(end_resumed[key], value, rtol=1e-4, atol=1e-5)


def test_unreadable_images_are_skipped_and_reported_once_each(
    data_dir: Path, style_image: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (data_dir / "level_a" / "f000_broken.png").write_bytes(b"\x89PNG\r\n\x1a\n truncated")
    (data_dir / "level_b" / "notes.jpg").write_text("not a picture")
    dataset = ImageFolderDataset(data_dir, 32)
    broken = dataset.paths.index(data_dir / "level_a" / "f000_broken.png")
    image, (first, skipped) = dataset[broken]
    assert (first, skipped) == (broken, 1) and image.shape == (3, 32, 32) and image.dtype == torch.uint8
    assert dataset.skipped_paths(first, skipped) == [data_dir / "level_a" / "f000_broken.png"]
    # 4 epochs of 7 batches: every file is drawn 4 times, each unreadable one warned about once
    config = small_config(data_dir, style_image, tmp_path / "run", epochs=4, max_steps=None, checkpoint_every=100)
    assert train_fast(config).steps == 28
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    for name in ("f000_broken.png", "notes.jpg"):
        assert len([w for w in warnings if w.startswith("skipping a training image") and name in w]) == 1, warnings
    assert warnings[-1].startswith("2 of the 14 image files under") and "f000_broken.png, notes.jpg" in warnings[-1]


def test_other_variants_and_layer_sets(data_dir: Path, style_image: Path, tmp_path: Path) -> None:
    config = small_config(
        data_dir, style_image, tmp_path / "run", max_steps=3, variant="examples", style_layers="tutorial",
        filters=(4, 8, 16), res_blocks=2, style_size=48,
    )  # fmt: skip
    checkpoint = load_checkpoint(train_fast(config).final_checkpoint)
    assert checkpoint.config == {"filters": [4, 8, 16], "res_blocks": 2, "variant": "examples"}
    assert checkpoint.preset is None


def test_imagenet_weights_file_is_used(
    data_dir: Path, style_image: Path, tmp_path: Path, vgg_weights_file: Path
) -> None:
    result = train_fast(
        small_config(data_dir, style_image, tmp_path / "run", max_steps=2, vgg_weights=str(vgg_weights_file))
    )
    train_config = load_checkpoint(result.final_checkpoint).train_config
    assert train_config is not None and str(vgg_weights_file) in train_config["vgg_weights_used"]


def test_bad_settings_fail_clearly(data_dir: Path, style_image: Path, tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="fewer than one batch"):
        train_fast(small_config(data_dir, style_image, tmp_path / "a", batch_size=64))
    with pytest.raises(SettingsError, match="at least 1, got 0"):
        train_fast(small_config(data_dir, style_image, tmp_path / "a", image_size=0))
    with pytest.raises(SettingsError, match=r"multiple of 4.*got 30; try 32"):
        train_fast(small_config(data_dir, style_image, tmp_path / "a", image_size=30))
    with pytest.raises(SettingsError, match=r"--image-size must be at least 8 .*got 4"):
        train_fast(small_config(data_dir, style_image, tmp_path / "a", image_size=4))
    with pytest.raises(SettingsError, match="--checkpoint-every must be at least 1"):
        train_fast(small_config(data_dir, style_image, tmp_path / "a", checkpoint_every=0))
    with pytest.raises(SettingsError, match="not trained by `train fast`"):
        train_fast(small_config(data_dir, style_image, tmp_path / "b", preset="fewshot-small"))
    with pytest.raises(ModelConfigError, match="known models"):
        train_fast(small_config(data_dir, style_image, tmp_path / "c", preset="gigantic"))
    with pytest.raises(FileNotFoundError, match="no images"):
        train_fast(small_config(tmp_path / "missing", style_image, tmp_path / "d"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="no images"):
        train_fast(small_config(tmp_path / "empty", style_image, tmp_path / "d"))
    with pytest.raises(SettingsError, match="style-layers"):
        train_fast(small_config(data_dir, style_image, tmp_path / "e", style_layers="all"))
    assert not (tmp_path / "a").exists()  # refused before any work


def test_options_not_given_come_from_the_resumed_checkpoint(tmp_path: Path) -> None:
    saved = {
        **asdict(FastTrainConfig("frames", "style.png", "run", seed=3, style_weight=3e9, filters=(4, 8, 16))),
        "device": "cuda",  # how that machine ran: never inherited
        "workers": 2,
        "vgg_weights_used": "random filters (seed 3)",  # a note beside the settings, not a setting
    }
    for name in ("frames", "style.png"):
        (tmp_path / name).touch()
    saved.update(data=str(tmp_path / "frames"), style=str(tmp_path / "style.png"))
    run = tmp_path / "copy_of_run"
    checkpoint = Checkpoint.from_model(create_model("tiny"), train_config=saved)
    path = save_checkpoint(run / "checkpoints" / "ckpt.pt", checkpoint)
    config = FastTrainConfig.from_options({"resume": str(path), "lr": 0.5, "command": "train"})
    assert (config.data, config.style, config.seed, config.style_weight) == (
        str(tmp_path / "frames"), str(tmp_path / "style.png"), 3, 3e9
    )  # fmt: skip
    assert config.out == str(run)  # where the checkpoint's run is, not the "run" it was started in
    assert config.filters == (4, 8, 16) and config.lr == 0.5 and config.resume == str(path)
    assert config.device == "auto" and config.workers is None

    fresh = FastTrainConfig.from_options({"data": "d", "style": "s", "out": "o", "seed": 5})
    assert fresh == FastTrainConfig("d", "s", "o", seed=5)
    with pytest.raises(SettingsError, match=r"needs --data, --style.*--resume CHECKPOINT"):
        FastTrainConfig.from_options({"out": "o"})
    bare = save_checkpoint(tmp_path / "bare.pt", Checkpoint.from_model(create_model("tiny")))
    with pytest.raises(SettingsError, match=r"needs --data, --style \(.*bare\.pt holds no saved training settings"):
        FastTrainConfig.from_options({"resume": str(bare)})


def test_a_resumed_run_says_when_a_saved_input_is_not_where_it_was(tmp_path: Path) -> None:
    (tmp_path / "style.png").touch()
    saved = asdict(FastTrainConfig("frames", str(tmp_path / "style.png"), "run"))  # as older runs saved it: relative
    path = save_checkpoint(tmp_path / "ckpt.pt", Checkpoint.from_model(create_model("tiny"), train_config=saved))
    with pytest.raises(SettingsError, match=r"trained with --data frames, which is not there from .*pass --data"):
        FastTrainConfig.from_options({"resume": str(path)})
    (tmp_path / "elsewhere").mkdir()
    config = FastTrainConfig.from_options({"resume": str(path), "data": str(tmp_path / "elsewhere")})
    assert config.data == str(tmp_path / "elsewhere")  # given: the saved one is not looked for


def test_the_run_says_what_will_run_and_always_writes_the_final_checkpoint(
    data_dir: Path, style_image: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="pipeline.training")
    # 12 images in batches of 2: 6 steps per epoch. --max-steps 20 cannot be reached in one epoch.
    config = small_config(data_dir, style_image, tmp_path / "short", epochs=1, max_steps=20, checkpoint_every=10)
    result = train_fast(config)
    assert result.steps == 6 and load_checkpoint(tmp_path / "short" / "final.pt").step == 6
    assert "6 steps = 1 epoch(s) x 6 batches of 2 32x32 crops from 12 image files" in caplog.text
    assert "--max-steps 20 only caps a run and is not reached (raise --epochs" in caplog.text
    assert "no checkpoint before the end (one every 10 steps); the final checkpoint goes to" in caplog.text
    caplog.clear()
    train_fast(small_config(data_dir, style_image, tmp_path / "capped", epochs=2, max_steps=3, checkpoint_every=2))
    assert "3 steps: --max-steps 3 stops 2 epoch(s) x 6 batches" in caplog.text and "(12 steps) early" in caplog.text
    assert "1 checkpoint(s) in" in caplog.text and "one every 2 steps" in caplog.text


def test_training_is_reproducible(data_dir: Path, style_image: Path, tmp_path: Path) -> None:
    a = train_fast(small_config(data_dir, style_image, tmp_path / "a", max_steps=6))
    b = train_fast(small_config(data_dir, style_image, tmp_path / "b", max_steps=6))
    assert [h["total"] for h in a.history] == [h["total"] for h in b.history]
    assert np.array_equal(load_rgb(a.preview), load_rgb(b.preview))


def test_loss_weights_default_to_the_loss_networks_own(
    data_dir: Path, style_image: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # Random filters' losses are relative errors, ImageNet's are raw MSEs: one default cannot serve both.
    config = FastTrainConfig("frames", "style.png", "run")
    assert config.loss_weights(random_filters=True) == (1.0, 1.0)
    assert config.loss_weights(random_filters=False) == (1e5, 1e10)
    assert FastTrainConfig("f", "s", "r", style_weight=3.0).loss_weights(random_filters=True) == (1.0, 3.0)
    with caplog.at_level(logging.INFO, logger="pipeline.training.fast"):
        train_fast(small_config(data_dir, style_image, tmp_path / "run", max_steps=1))
    assert "relative (mean and covariance per layer) losses, content weight 1, style weight 1" in caplog.text
