"""The `stylebridge` command, driven through `pipeline.cli.main` exactly as the console script runs it."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pytest

from pipeline.checkpoint import load_checkpoint
from pipeline.cli import build_parser, main
from pipeline.fileio import load_rgb, save_png


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


def test_info_reports_the_documented_parameter_count(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["info", "tiny", "--resolution", "64x32", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["parameters"] == 108_771
    assert info["contract"]["input_range"] == "0_255"


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


def test_unknown_preset_fails_cleanly(caplog: pytest.LogCaptureFixture) -> None:
    assert main(["info", "gigantic"]) == 1
    assert "known models" in caplog.text


def test_demo_runs_end_to_end_with_random_filters(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "demo"
    args = ["demo", "--out", str(out), "--steps", "4", "--image-size", "32", "--vgg-weights", "random"]
    assert main(["-q", *args, "--no-progress"]) == 0
    assert (out / "preview_sheet.png").is_file() and (out / "run" / "final.pt").is_file()
    assert load_checkpoint(out / "run" / "final.pt").step == 4
    assert "contact sheet" in capsys.readouterr().out
    assert len(list((out / "UnityProject" / "Assets" / "StyleBridge" / "Models").glob("demo_v0001.onnx"))) == 1
    assert load_rgb(out / "bridge_frame.png").shape == load_rgb(out / "data" / "test_frame.png").shape
    through_bridge, preview = load_rgb(out / "bridge_frame.png"), load_rgb(out / "run" / "final.png")
    assert np.abs(through_bridge.astype(int) - preview).max() <= 1  # row order and contract honoured end to end
