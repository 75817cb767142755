"""`info MODEL.onnx`: an exported model is described like a checkpoint, plus what the graph itself says."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import onnx
import pytest
from onnx import TensorProto, helper

from pipeline.cli.main import main
from pipeline.export.exporter import export_onnx
from pipeline.models import create_model
from pipeline.models.info import count_macs


def test_info_describes_an_exported_model(
    make_checkpoint: Callable[..., Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    exported = export_onnx(make_checkpoint("tiny"), tmp_path / "model.onnx").files.onnx
    assert main(["info", str(exported), "--resolution", "64x32"]) == 0
    text = capsys.readouterr().out
    assert f"model          {exported} (ONNX, opset 9," in text
    assert "exported from  tiny_0.pt at step 0 (transformer_net tiny, io unit)" in text
    assert "graph input    input float [1, 3, height, width]" in text
    assert "input          RGB NCHW, range 0_1" in text and "size multiple  H and W must be multiples of 4" in text
    assert "operators      " in text and "Conv x16" in text and "InstanceNormalization x15" in text
    assert f"{count_macs(create_model('tiny'), 64, 32) / 1e9:.2f} G at 64x32" in text

    assert main(["info", str(exported), "--json"]) == 0
    described = json.loads(capsys.readouterr().out)
    assert described["opset"] == 9 and described["contract"]["input_range"] == "0_1"
    assert described["inputs"] == [{"name": "input", "element_type": "FLOAT", "shape": [1, 3, "height", "width"]}]
    assert described["ops"]["Conv"] == 16 and described["file_mb"] == pytest.approx(exported.stat().st_size / 1e6)


def test_info_describes_an_onnx_it_did_not_write(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    graph = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["y"])],
        "foreign",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3, 8, 8])],
    )
    path = tmp_path / "foreign.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 9)]), str(path))
    assert main(["info", str(path)]) == 0
    text = capsys.readouterr().out
    assert "opset 9" in text and "graph input    x float [1, 3, 8, 8]" in text and "operators      Relu x1" in text
    assert "contract       none: " in text and "multiply-adds" not in text
