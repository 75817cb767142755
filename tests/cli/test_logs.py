"""What the commands log: each thing once, and never onto a progress bar's line."""

from __future__ import annotations

import logging
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from pipeline.cli.main import main
from pipeline.core.fileio import save_png


def test_export_and_deploy_say_each_thing_once(
    make_checkpoint: Callable[..., Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    model = tmp_path / "m.onnx"
    assert main(["export", str(make_checkpoint()), "-o", str(model), "--reference-size", "48x32"]) == 0
    said = capsys.readouterr().out + "\n".join(r.getMessage() for r in caplog.records)
    assert said.count("ONNX Runtime session for") == 1
    assert said.count("parity 96x64") == 1 and said.count("reference pair") == 1
    caplog.clear()
    (tmp_path / "Unity" / "Assets").mkdir(parents=True)
    assert main(["deploy", str(model), "--unity-project", str(tmp_path / "Unity")]) == 0
    said = capsys.readouterr().out + "\n".join(r.getMessage() for r in caplog.records)
    assert said.count("deployed") == 1 and "m_v0001.onnx (version 1)" in said


def test_a_warning_during_a_progress_bar_gets_its_own_line(
    make_checkpoint: Callable[..., Path], tmp_path: Path
) -> None:
    folder = tmp_path / "frames"
    for i in range(3):
        save_png(folder / f"f{i}.png", np.full((8, 8, 3), 40 * i, np.uint8))
    (folder / "f1_broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    command = [
        sys.executable,
        "-m",
        "pipeline",
        "stylize",
        str(make_checkpoint()),
        str(folder),
        "-o",
        str(tmp_path / "o"),
    ]
    stderr = subprocess.run(command, capture_output=True, text=True, timeout=120, check=True).stderr
    assert "frame/s]" in stderr  # the bar was drawn
    (warning,) = re.findall(r"([\s\S])\d\d:\d\d:\d\d WARNING pipeline.inference.files: skipped:", stderr)
    assert warning in "\r\n", repr(stderr)  # the bar was cleared first, not written after
