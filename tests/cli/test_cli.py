"""The `stylebridge` command, driven through `pipeline.cli.main` exactly as the console script runs it."""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch

from pipeline.cli.main import build_parser, main
from pipeline.core.fileio import load_rgb, save_png
from pipeline.core.style_metrics import style_scores
from pipeline.models.checkpoint import load_checkpoint
from pipeline.training.fast import FastTrainConfig


def _verbs(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command path, nested groups included (e.g. ('train', 'fast'))."""
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found.append((*prefix, name))
                found.extend(_verbs(sub, (*prefix, name)))
    return found


@pytest.mark.parametrize("verb", _verbs(build_parser()), ids=" ".join)
def test_every_command_explains_itself(verb: tuple[str, ...], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([*verb, "--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    assert text.startswith("usage: stylebridge " + " ".join(verb))
    assert len(text.splitlines()) > 3  # a description and options, not just a usage line
    flat = " ".join(text.split())  # help wraps lines: compare with single spaces
    for meaningless in ("(default: None)", "(default: True)", "(default: False)", "(default: (", "(default: <"):
        assert meaningless not in flat
    assert not re.search(r"\(default[^)]*\) \(default", flat)  # no option says its default twice


@pytest.mark.parametrize(
    ("verb", "shown"),
    [
        (
            ("train", "fast"),
            [
                "--image-size IMAGE_SIZE side of the square training crops (a multiple of 4) (default: 256)",
                "ImageNet's Gram loss 1e10 (try 5e8..1e11); random filters' relative loss 1",
                "--preset {tiny,small,original} model size (default: tiny)",
            ],
        ),
        (("bench", "bridge"), ["frame size WIDTHxHEIGHT (default: 960x540)"]),
        (("info",), ["frame size for the multiply-adds (default: 960x540)"]),
        (
            ("export",),
            ["(ignored with --static) (default: 128x72)", "--static WxH fix the input size (default: dynamic H, W)"],
        ),
        (("demo",), ["--no-progress no progress bars", "where to run (default: auto = CUDA if present)"]),
    ],
    ids=lambda value: " ".join(value) if isinstance(value, tuple) else "",
)
def test_help_shows_defaults_once_and_readably(
    verb: tuple[str, ...], shown: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        main([*verb, "--help"])
    flat = " ".join(capsys.readouterr().out.split())
    for text in shown:
        assert text in flat
    assert (
        "--no-progress no progress bars (default" not in flat
        and "--output MODEL.onnx where to write the model (default" not in flat
    )


def test_info_reports_the_documented_parameter_count(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["info", "tiny", "--resolution", "64x32", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["parameters"] == 108_771
    assert info["contract"]["input_range"] == "0_255"
    assert info["config"]["variant"] == FastTrainConfig.variant == "tutorial"  # the preset `train fast` trains


def test_train_then_stylize_a_folder_with_a_corrupt_image(
    data_dir: Path, style_image: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    out = tmp_path / "run"
    train = ["train", "fast", "--data", str(data_dir), "--style", str(style_image), "--out", str(out)]
    options = ["--image-size", "32", "--batch-size", "2", "--max-steps", "3", "--vgg-weights", "random"]
    assert main(["-q", *train, *options, "--style-layers", "examples", "--no-progress"]) == 0
    assert load_checkpoint(out / "final.pt").step == 3

    (data_dir / "level_a" / "zz_broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    assert main(["stylize", str(out / "final.pt"), str(data_dir), "-o", str(tmp_path / "styled")]) == 0
    written = sorted((tmp_path / "styled").rglob("*.png"))
    assert len(written) == 12 and "zz_broken.png" not in {p.name for p in written}
    assert load_rgb(written[0]).shape == load_rgb(data_dir / "level_b" / "f000.png").shape
    assert "skipped 1 unreadable" in caplog.text

    single = tmp_path / "one.png"
    assert main(["stylize", str(out / "final.pt"), str(data_dir / "level_b" / "f000.png"), "-o", str(single)]) == 0
    assert load_rgb(single).shape == (54, 96, 3)


def test_a_file_that_is_not_a_checkpoint_fails_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    bogus = tmp_path / "model.pt"
    bogus.write_text("not a checkpoint")
    image = save_png(tmp_path / "in.png", np.full((20, 30, 3), 128, np.uint8))
    assert main(["stylize", str(bogus), str(image), "-o", str(tmp_path / "out.png")]) == 1
    assert "Traceback" not in capsys.readouterr().err
    assert str(bogus) in caplog.text
    assert not (tmp_path / "out.png").exists()


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux's /proc, where no file can be created")
def test_an_unwritable_output_is_named_without_the_temp_file(
    tmp_path: Path, make_checkpoint: Callable[..., Path], caplog: pytest.LogCaptureFixture
) -> None:
    image = save_png(tmp_path / "in.png", np.full((20, 30, 3), 128, np.uint8))
    (tmp_path / "a_file").write_text("not a folder")
    for target in ("/proc/forbidden.png", str(tmp_path / "a_file" / "out.png")):
        caplog.clear()
        assert main(["stylize", str(make_checkpoint()), str(image), "-o", target]) == 1
        [record] = [r for r in caplog.records if r.levelname == "ERROR"]
        assert record.getMessage().startswith(f"cannot write {target}: ") and ".partial" not in record.getMessage()


def test_unknown_preset_fails_cleanly(caplog: pytest.LogCaptureFixture) -> None:
    assert main(["info", "gigantic"]) == 1
    assert "known models" in caplog.text


def test_demo_runs_end_to_end_with_random_filters(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "demo"
    args = ["demo", "--out", str(out), "--steps", "4", "--image-size", "32", "--vgg-weights", "random"]
    assert main(["-q", *args, "--no-progress"]) == 0
    assert (out / "preview_sheet.png").is_file() and (out / "run" / "final.pt").is_file()
    assert load_checkpoint(out / "run" / "final.pt").step == 4
    printed = capsys.readouterr().out
    assert "contact sheet" in printed
    # the two measured style numbers, computed on the final stylized test frame
    scores = style_scores(load_rgb(out / "data" / "test_frame.png"), load_rgb(out / "run" / "final.png"),
                          load_rgb(out / "data" / "style_mosaic.png"))  # fmt: skip
    assert f"palette        {scores.colour_closer:.2f}x closer to the style image's colours" in printed
    assert f"fine detail    {scores.detail_ratio:.2f}x the input's high-frequency energy" in printed
    # The demo ends with the server's diagnosis of its own A/B, then of a mis-configured engine, with a report.
    assert "diagnosis      matches" in printed
    assert "A/B, a mis-configured engine (output_range:0_1->-1_1 injected)" in printed
    report = out / "ab" / "misconfigured_engine.html"
    assert f"report         {report}" in printed and report.read_text().count("data:image/png;base64") >= 4
    assert len(list((out / "UnityProject" / "Assets" / "StyleBridge" / "Models").glob("demo_v0001.onnx"))) == 1
    assert load_rgb(out / "bridge_frame.png").shape == load_rgb(out / "data" / "test_frame.png").shape
    through_bridge, preview = load_rgb(out / "bridge_frame.png"), load_rgb(out / "run" / "final.png")
    assert np.abs(through_bridge.astype(int) - preview).max() <= 1  # row order and contract honoured end to end


def _train_fast(data_dir: Path, style_image: Path, out: Path, *options: str) -> list[str]:
    """`train fast` with small, non-default settings (so that a resume must find them in the checkpoint)."""
    return [
        "-q", "train", "fast", "--data", str(data_dir), "--style", str(style_image), "--out", str(out),
        "--image-size", "32", "--batch-size", "2", "--epochs", "100", "--lr", "3e-3", "--seed", "3",
        "--style-weight", "3e9", "--vgg-weights", "random", "--style-layers", "examples", "--log-every", "5",
        "--workers", "0",
        "--device", "cpu", "--no-progress", *options,
    ]  # fmt: skip


def test_resume_continues_with_the_runs_own_settings(
    data_dir: Path, style_image: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    first = tmp_path / "first"
    assert main(_train_fast(data_dir, style_image, first, "--max-steps", "20", "--checkpoint-every", "10")) == 0
    # Resume from the step-10 checkpoint naming none of the run's settings: seed, style weight, lr,
    # image size, batch size, ... and the 20 steps must all come from the checkpoint.
    caplog.clear()
    resume = ["-q", "train", "fast", "--resume", str(first / "checkpoints" / "ckpt_step_0000010.pt")]
    assert main([*resume, "--out", str(tmp_path / "second"), "--no-progress"]) == 0
    uninterrupted = json.loads((first / "history.json").read_text())
    resumed = json.loads((tmp_path / "second" / "history.json").read_text())
    assert [h["step"] for h in resumed] == [5, 10, 15, 20]
    for a, b in zip(uninterrupted, resumed, strict=True):
        assert a["total"] == pytest.approx(b["total"], rel=1e-4)
    assert not [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]  # --out is no training setting


def test_resuming_a_copied_run_from_another_folder_writes_into_the_copy(
    data_dir: Path, style_image: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # relative paths, as a user types them
    relative = [os.path.relpath(data_dir), os.path.relpath(style_image), "run2"]
    command = _train_fast(*relative, "--image-size", "16", "--max-steps", "4", "--checkpoint-every", "2")
    assert main(command) == 0
    shutil.copytree("run2", "run3")
    original = {path: path.read_bytes() for path in (tmp_path / "run2").rglob("*") if path.is_file()}
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    resume = ["-q", "train", "fast", "--resume", str(tmp_path / "run3" / "checkpoints" / "ckpt_step_0000002.pt")]
    assert main([*resume, "--no-progress"]) == 0
    assert {path: path.read_bytes() for path in original} == original  # the original run is untouched
    assert load_checkpoint(tmp_path / "run3" / "final.pt").step == 4
    assert [h["step"] for h in json.loads((tmp_path / "run3" / "history.json").read_text())] == [4]
    assert not list((tmp_path / "elsewhere").iterdir())


def test_resume_warns_about_an_option_that_differs(
    data_dir: Path, style_image: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    assert main(_train_fast(data_dir, style_image, tmp_path / "run", "--max-steps", "2")) == 0
    caplog.clear()
    resume = ["-q", "train", "fast", "--resume", str(tmp_path / "run" / "final.pt"), "--no-progress"]
    assert main([*resume, "--max-steps", "3", "--style-weight", "1e9", "--seed", "3", "--preset", "small"]) == 0
    warnings = {r.getMessage().split()[0]: r.getMessage() for r in caplog.records if r.levelname == "WARNING"}
    assert set(warnings) == {"--max-steps", "--style-weight", "--preset"}  # --seed 3 is the run's own
    assert "differs from the 3000000000.0 the run in" in warnings["--style-weight"]
    assert warnings["--style-weight"].endswith("using 1000000000.0")
    assert "--preset small ignored: the network resumed from" in warnings["--preset"]
    final = load_checkpoint(tmp_path / "run" / "final.pt")
    assert final.step == 3 and final.preset == "tiny"
    assert final.train_config is not None and final.train_config["style_weight"] == 1e9


@pytest.mark.parametrize(
    ("options", "message"),
    [
        pytest.param(
            ["--device", "cuda"],
            "PyTorch sees no CUDA GPU; use --device cpu",
            marks=pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU"),
            id="cuda without a GPU",
        ),
        pytest.param(["--batch-size", "64"], "12 training images are fewer than one batch", id="batch too large"),
        pytest.param(["--image-size", "0"], "--image-size must be at least 1, got 0", id="image size 0"),
        pytest.param(["--image-size", "30"], "--image-size must be a multiple of 4", id="image size 30"),
        pytest.param(["--image-size", "4"], "--image-size must be at least 8", id="image size 4"),
        pytest.param(["--max-steps", "0"], "--max-steps must be at least 1", id="no steps"),
    ],
)
def test_bad_training_settings_fail_without_a_traceback(
    data_dir: Path,
    style_image: Path,
    tmp_path: Path,
    options: list[str],
    message: str,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert main([*_train_fast(data_dir, style_image, tmp_path / "run"), *options]) == 1
    assert "Traceback" not in capsys.readouterr().err
    assert [r.levelname for r in caplog.records] == ["ERROR"] and message in caplog.records[0].getMessage()
    assert not (tmp_path / "run").exists()  # refused before anything was written


def test_train_without_data_or_a_checkpoint_to_resume_says_what_is_missing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, make_checkpoint: Callable[..., Path]
) -> None:
    assert main(["train", "fast", "--out", str(tmp_path / "run")]) == 1
    assert "`train fast` needs --data, --style (or --resume CHECKPOINT" in caplog.text
    fewshot = make_checkpoint("fewshot-small")
    assert main(["train", "fast", "--resume", str(fewshot), "--data", "d", "--style", "s", "--out", "o"]) == 1
    assert "holds a fewshot_generator; `train fast` resumes TransformerNet checkpoints only" in caplog.text
