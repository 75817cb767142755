"""The two-call Python API: diagnose_frame (from a path, a network or a stylizer; arrays or files) and write_report."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from pipeline.core.fileio import save_png
from pipeline.diagnosis import diagnose_frame, write_report
from pipeline.diagnosis.graphs import OnnxGraph, TorchGraph, graph_for
from pipeline.inference.onnx_stylizer import OnnxStylizer
from pipeline.inference.torch_stylizer import TorchStylizer
from pipeline.models import StyleNet


def test_a_stylizer_a_frame_and_the_engines_picture_give_a_summary_and_a_report(
    standins: dict[str, StyleNet], frame: np.ndarray, tmp_path: Path
) -> None:
    stylizer = TorchStylizer(standins["tiny"])
    upside_down = np.ascontiguousarray(stylizer(frame)[::-1])  # the output flipped once more on its way to the screen
    result = diagnose_frame(stylizer, frame, upside_down)
    assert result.verdict == "explained" and result.best.candidate.name == "output_flip"
    assert result.summary.startswith("output flipped upside down: ") and "Fix: " in result.summary
    report = write_report(tmp_path / "ab.html", result)
    assert report.read_text().count("data:image/png;base64,") == 6

    save_png(tmp_path / "frame.png", frame[::-1])  # both saved as a raw readback: bottom row first
    save_png(tmp_path / "engine.png", stylizer(frame)[::-1])
    same = diagnose_frame(standins["tiny"], tmp_path / "frame.png", str(tmp_path / "engine.png"), row_order="bottom_up")
    assert same.verdict == "matches"


def test_an_onnx_stylizer_is_diagnosed_through_its_own_export(
    exported: Callable[[str, str], Path], frame: np.ndarray
) -> None:
    stylizer = OnnxStylizer(exported("fewshot-small", "raw"), "cpu")
    graph = graph_for(stylizer)
    assert isinstance(graph, OnnxGraph) and graph.contract == stylizer.contract
    assert diagnose_frame(stylizer, frame, stylizer(frame), pairs=False).verdict == "matches"


def test_a_model_served_in_half_precision_is_not_changed_by_its_graph(standins: dict[str, StyleNet]) -> None:
    served = TorchStylizer(copy.deepcopy(standins["fewshot-small"]))
    served.model.half()
    graph = graph_for(served)
    assert isinstance(graph, TorchGraph) and next(served.model.parameters()).dtype == torch.float16
    assert next(graph.module.parameters()).dtype == torch.float32
