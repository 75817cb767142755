"""`stylebridge ab`, driven through `pipeline.cli.main` as the console script runs it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from pipeline.cli.main import main
from pipeline.core.contract import srgb_to_linear, unit_to_uint8
from pipeline.core.fileio import save_png
from pipeline.diagnosis.faults import Fault, input_range_fault, output_range_fault
from pipeline.diagnosis.graphs import TorchGraph
from pipeline.diagnosis.pairs import upright_srgb
from pipeline.diagnosis.table import inject
from pipeline.models import StyleNet


def _engine(net: StyleNet, io: str, frame: np.ndarray, *faults: Fault) -> np.ndarray:
    return inject(TorchGraph(net, io), frame, tuple(faults), np.random.default_rng(0))


def test_one_pair_gets_a_verdict_a_json_diagnosis_and_a_report(
    checkpoints: dict[str, Path],
    standins: dict[str, StyleNet],
    frame: np.ndarray,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    seed_mixup = input_range_fault("0_255", "-1_1")
    save_png(tmp_path / "frame.png", frame)
    save_png(tmp_path / "engine.png", _engine(standins["fewshot-small"], "raw", frame, seed_mixup))
    pair = ["--input", str(tmp_path / "frame.png"), "--engine", str(tmp_path / "engine.png")]
    report = tmp_path / "out" / "report.html"
    assert main(["ab", str(checkpoints["fewshot-small"]), "--io", "raw", *pair, "-o", str(report), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["verdict"] == "explained" and result["explanations"][0]["name"] == seed_mixup.name
    assert result["fix"].startswith("build the input tensor in [-1, 1]")
    assert report.read_text().count("data:image/png;base64,") == 6

    assert main(["ab", str(checkpoints["fewshot-small"]), "--io", "raw", *pair]) == 0
    assert capsys.readouterr().out.startswith("input fed as [0, 255] to a model that expects [-1, 1]: ")


def test_an_exported_model_carries_its_contract_and_files_saved_bottom_up_are_read_so(
    exported: Callable[[str, str], Path],
    standins: dict[str, StyleNet],
    frame: np.ndarray,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    save_png(tmp_path / "frame.png", frame[::-1])  # a raw readback: row 0 at the bottom
    save_png(tmp_path / "engine.png", _engine(standins["tiny"], "unit", frame)[::-1])
    pair = ["--input", str(tmp_path / "frame.png"), "--engine", str(tmp_path / "engine.png"), "--no-pairs"]
    model = str(exported("tiny", "unit"))
    assert main(["ab", model, *pair, "--row-order", "bottom_up"]) == 0
    assert capsys.readouterr().out.startswith("matches: ")
    assert main(["ab", model, *pair]) == 0  # read as upright, they are not what PyTorch makes of them
    assert not capsys.readouterr().out.startswith("matches")


def test_files_saved_in_linear_light_are_read_back_as_srgb(frame: np.ndarray) -> None:
    linear = unit_to_uint8(srgb_to_linear(frame / 255.0))
    restored = upright_srgb(linear[::-1], "bottom_up", "linear").astype(int)
    bright = frame > 100  # (8-bit linear values cannot hold sRGB's shadow steps)
    assert np.abs(restored - frame)[bright].max() <= 2 and restored.shape == frame.shape


def test_a_folder_of_pairs_gets_one_report_each_and_an_index(
    checkpoints: dict[str, Path],
    standins: dict[str, StyleNet],
    frame: np.ndarray,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    pairs = tmp_path / "pairs"
    net = standins["tiny"]
    save_png(pairs / "good.png", frame)
    save_png(pairs / "good.engine.png", _engine(net, "raw", frame))
    save_png(pairs / "white.png", frame)
    save_png(pairs / "white.engine.png", _engine(net, "raw", frame, output_range_fault("0_255", "0_1")))
    save_png(pairs / "torn.png", frame)
    (pairs / "torn.engine.png").write_bytes(b"\x89PNG\r\n\x1a\n cut short")
    reports = tmp_path / "reports"
    command = ["ab", str(checkpoints["tiny"]), "--io", "raw", "--captures", str(pairs), "--no-pairs"]
    assert main([*command, "-o", str(reports), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    verdicts = {entry["pair"]: entry["verdict"] for entry in result["pairs"]}
    assert verdicts == {"good": "matches", "white": "explained"}
    assert [s["pair"] for s in result["skipped"]] == ["torn"] and "torn.engine.png" in result["skipped"][0]["error"]
    index = (reports / "index.html").read_text()
    assert index.count('<a href="') == 2 and len(list(reports.glob("0*.html"))) == 2


def test_a_capture_folder_pairs_frames_by_index(
    checkpoints: dict[str, Path],
    standins: dict[str, StyleNet],
    frame: np.ndarray,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    captures = tmp_path / "captures"
    records = [("00000000.png", "input", 7), ("00000001.png", "engine", 7), ("00000002.png", "input", 8)]
    for file, source, _ in records:
        image = frame if source == "input" else _engine(standins["tiny"], "unit", frame)
        save_png(captures / file, image)
    lines = [json.dumps({"file": f, "index": i, "source": s, "frame_index": n}) for i, (f, s, n) in enumerate(records)]
    (captures / "manifest.jsonl").write_text("\n".join(lines) + "\n")
    assert main(["ab", str(checkpoints["tiny"]), "--captures", str(captures), "--no-pairs"]) == 0
    lines = capsys.readouterr().out.splitlines()  # frame 8 has no engine output: not a pair
    assert len(lines) == 1 and lines[0].startswith("frame 7: matches: ")


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["--input", "frame.png"], "give --input FRAME and --engine OUTPUT"),
        (["--input", "a.png", "--engine", "b.png", "--captures", "dir"], "not both"),
        (["--input", "missing.png", "--engine", "missing.png"], "missing.png"),
        (["--captures", "nowhere"], "is not a folder"),
    ],
)
def test_wrong_arguments_fail_with_a_message_not_a_traceback(
    arguments: list[str],
    message: str,
    checkpoints: dict[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["ab", str(checkpoints["tiny"]), *arguments]) == 1
    assert message in caplog.text and "Traceback" not in capsys.readouterr().err
