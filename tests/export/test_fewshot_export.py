"""Both few-shot presets export for Barracuda: BatchNorm folded, opset-9 ops only, parity at two sizes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import onnx
import pytest

from pipeline.export.exporter import ExportError, export_onnx
from pipeline.export.parity import UNIT_TOLERANCE
from pipeline.models import create_model
from pipeline.models.checkpoint import Checkpoint, save_checkpoint
from pipeline.unity.deploy import deploy_export

SIZES = ((48, 32), (64, 40))


@pytest.mark.parametrize("preset", ["fewshot-small", "fewshot-reference"])
def test_fewshot_presets_export_validate_and_deploy(
    preset: str, make_checkpoint: Callable[..., Path], unity_project: Path, tmp_path: Path
) -> None:
    result = export_onnx(make_checkpoint(preset), tmp_path / f"{preset}.onnx", parity_sizes=SIZES)
    assert result.report.ok
    assert [(p.width, p.height) for p in result.report.parity] == list(SIZES)
    assert all(p.max_abs <= UNIT_TOLERANCE for p in result.report.parity)
    model = onnx.load(str(result.files.onnx))
    assert model.opset_import[0].version == 9
    ops = {node.op_type for node in model.graph.node}
    assert {"Conv", "LeakyRelu", "Relu", "Concat", "Upsample", "Tanh", "Add"} <= ops
    # Every BatchNorm after a convolution is folded into it; the smoothers' one follows a ReLU (folding it into the
    # next, zero-padded convolution would change the borders) and stays, a BatchNormalization Barracuda imports.
    producers = {out: node.op_type for node in model.graph.node for out in node.output}
    norms = [node for node in model.graph.node if node.op_type == "BatchNormalization"]
    assert [producers[node.input[0]] for node in norms] == ["Relu"]
    assert ops <= {"Conv", "LeakyRelu", "Relu", "Concat", "Upsample", "Tanh", "Add", "Mul", "Sub", "Div", "Clip",
                   "Constant", "BatchNormalization"}  # fmt: skip
    metadata = {p.key: p.value for p in model.metadata_props}
    assert metadata["stylebridge.input_range"] == "0_1" and metadata["stylebridge.network_input_range"] == "-1_1"
    deployment = deploy_export(result, unity_project, name=preset)
    assert deployment.onnx.is_file()


def test_a_generator_with_guide_channels_is_refused_with_the_reason(tmp_path: Path) -> None:
    guided = save_checkpoint(tmp_path / "g.pt", Checkpoint.from_model(create_model("fewshot-small", input_channels=6)))
    with pytest.raises(ExportError, match=r"takes 6 input channels .* send RGB frames only"):
        export_onnx(guided, tmp_path / "g.onnx")
    assert not (tmp_path / "g.onnx").exists()
