"""Play, capture, train a student from a teacher, evaluate it: from the command line, on a real bridge's capture."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
import torch

from bridge.backends import load_backend
from bridge.client import BridgeClient
from bridge.server import BridgeServer, ServerConfig
from pipeline.cli.main import main
from pipeline.core.fileio import load_rgb
from pipeline.inference.files import list_sequence
from pipeline.models.checkpoint import load_checkpoint

TINY = ["--preset", "fewshot-small", "--patch-size", "16", "--batch-size", "4", "--vgg-weights", "random",
        "--device", "cpu", "--no-progress", "--log-every", "1", "--eval-every", "1"]  # fmt: skip


@pytest.fixture
def capture_dir(level_dir: Path, tmp_path: Path) -> Iterator[Path]:
    """The level played into a real bridge (`serve --capture-dir`): cam0 captures every frame, a minimap
    camera (another source) every fourth one, interleaved as a game would send them."""
    folder = tmp_path / "captured"
    server = BridgeServer(load_backend("passthrough", None), ServerConfig(bind="tcp://127.0.0.1:0",
                          capture_dir=folder, stats_interval=0))  # fmt: skip
    server.start()
    client = BridgeClient(server.endpoint, name="unity", timeout=5.0)
    try:
        client.connect()
        for index, frame in enumerate(list_sequence(level_dir)):
            client.capture(load_rgb(frame), source="level1/cam0", frame_index=index)
            if index % 4 == 0:
                client.capture(np.zeros((32, 48, 3), np.uint8), source="minimap", frame_index=index)
        yield folder
    finally:
        client.close()
        server.stop()


def test_capture_then_train_from_a_teacher_then_evaluate(
    capture_dir: Path, make_teacher: Callable[..., Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    teacher, out, cache = make_teacher(), tmp_path / "run", tmp_path / "cache"
    args = ["train", "fewshot", "--teacher", str(teacher), "--frames", str(capture_dir), "--capture-source",
            "level1/cam0", "--keyframes", "3", "--holdout-frames", "4", "--teacher-cache", str(cache), "--out",
            str(out), "--max-steps", "2", *TINY]  # fmt: skip
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "held-out frames vs the teacher (before -> after): PSNR" in printed
    assert f"stylebridge evaluate {out / 'final.pt'} --teacher {teacher}" in printed
    split = load_checkpoint(out / "final.pt").train_config["teacher_split"]
    captured = {p.stem for p in list_sequence(capture_dir)}
    assert len(split["keyframes"]) == 3 and {k["name"] for k in split["keyframes"]} <= captured
    report = tmp_path / "eval" / "report.html"
    assert main(["evaluate", str(out / "final.pt"), "--teacher", str(teacher), "--frames", str(capture_dir),
                 "--capture-source", "level1/cam0", "--teacher-cache", str(cache), "--resolution", "48x32",
                 "--fps-seconds", "0.02", "--device", "cpu", "--no-progress", "-o", str(report)]) == 0  # fmt: skip
    printed = capsys.readouterr().out
    assert "PSNR vs teacher" in printed and "fps onnxruntime cpu" in printed and f"report: {report}" in printed
    data = json.loads(report.with_suffix(".json").read_text())
    assert data["frames"] == {
        "folder": str(capture_dir),
        "count": 16,
        "scored": 13,
        "keyframes_left_out": [k["name"] for k in split["keyframes"]],
        "held_out_known": True,
    }
    assert report.read_text().startswith("<!doctype html>")
    assert main(["evaluate", str(out / "final.pt"), "--teacher", str(teacher), "--frames", str(capture_dir),
                 "--capture-source", "level1/cam0", "--teacher-cache", str(cache), "--resolution", "48x32",
                 "--fps-seconds", "0.02", "--device", "cpu", "--no-progress", "--json"]) == 0  # fmt: skip
    assert json.loads(capsys.readouterr().out)["quality"]["psnr_mean"] == pytest.approx(data["quality"]["psnr_mean"])


def test_bad_input_gets_a_plain_error(
    level_dir: Path,
    make_teacher: Callable[..., Path],
    make_checkpoint: Callable[..., Path],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def train(frames: Path, teacher: Path) -> int:
        return main(["train", "fewshot", "--teacher", str(teacher), "--frames", str(frames), "--out",
                     str(tmp_path / "run"), "--teacher-cache", str(tmp_path / "cache"), *TINY])  # fmt: skip

    (tmp_path / "empty").mkdir()
    assert train(tmp_path / "empty", make_teacher()) == 1
    assert "no frames (png, jpg, ...) in" in caplog.text
    assert train(level_dir, make_checkpoint("fewshot-small")) == 1
    assert "a teacher must be a fast-style TransformerNet" in caplog.text
    (level_dir / "0005.png").write_bytes(b"\x89PNG\r\n\x1a\n cut short")
    assert train(level_dir, make_teacher()) == 1
    assert "cannot read" in caplog.text and "0005.png as an image" in caplog.text and "replace or delete" in caplog.text
    assert main(["train", "fewshot", "--keyframes", "4", "--frames", str(level_dir), "--out", str(tmp_path)]) == 1
    assert "add --teacher MODEL" in caplog.text
    assert "Traceback" not in caplog.text


def test_help_explains_the_teacher_evaluate_and_bench_distill(capsys: pytest.CaptureFixture[str]) -> None:
    for command, expected in (
        (["train", "fewshot"], ["--teacher MODEL", "--keyframes-every N", "--keyframes-at LIST", "--holdout-frames",
                                "--capture-source", "--teacher-cache", "farthest-point"]),
        (["evaluate"], ["STUDENT", "--teacher MODEL", "--frames DIR", "REPORT.html", "--resolution", "lower is"]),
        (["bench", "distill"], ["1, 4 and 16", "--time-limit", "--teacher MODEL", "On a CPU"]),
    ):  # fmt: skip
        with pytest.raises(SystemExit):
            main([*command, "--help"])
        shown = " ".join(capsys.readouterr().out.split())
        assert all(text in shown for text in expected), (command, [t for t in expected if t not in shown])


@pytest.mark.slow
def test_bench_distill_prints_a_table_row_per_student(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    args = ["bench", "distill", "--presets", "fewshot-small", "--keyframes", "1,2", "--steps", "2", "--teacher-steps",
            "2", "--level-frames", "12", "--size", "48x32", "--device", "cpu", "--no-progress", "--threads", "1",
            "--out", str(tmp_path / "bench")]  # fmt: skip
    threads = torch.get_num_threads()
    assert main(args) == 0
    assert torch.get_num_threads() == threads  # the benchmark's thread count is its own
    printed = capsys.readouterr().out
    rows = [line for line in printed.splitlines() if line.startswith("| fewshot-small |")]
    assert [row.split("|")[2].strip() for row in rows] == ["1", "2"]
    assert "| teacher: tiny |" in printed and "students trained for 2 steps each" in printed
    assert "1 PyTorch thread(s)" in printed
    assert "CPU: small frames and a short budget" in printed and "12 frames 48x32 of the built-in game level" in printed
    assert (tmp_path / "bench" / "students" / "fewshot-small-2kf" / "final.pt").is_file()
