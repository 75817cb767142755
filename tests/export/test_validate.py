"""`validate` on hand-made graphs: what Barracuda cannot import is named, node by node; the tutorial's shape passes."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from pipeline.cli.main import main
from pipeline.core.contract import PixelContract
from pipeline.export.exporter import export_onnx
from pipeline.export.rewrite import RewriteError, make_barracuda_safe
from pipeline.export.runtime import create_session
from pipeline.export.validate import ValidationReport, validate_file, validate_model

UNIT = PixelContract("0_1", "0_1", size_multiple=4)
TUTORIAL = PixelContract("0_255", "0_255", size_multiple=4)
PARITY = ((48, 32), (64, 40))  # (width, height)


def _tensor(name: str, values: Sequence[float] | np.ndarray, dtype: type = np.float32) -> TensorProto:
    return numpy_helper.from_array(np.asarray(values, dtype=dtype), name)


def _model(
    nodes: list[onnx.NodeProto],
    initializers: Sequence[TensorProto] = (),
    opset: int = 9,
    contract: PixelContract | None = UNIT,
    shape: Sequence[int | str] = (1, 3, "height", "width"),
    names: tuple[str, str] = ("input", "output"),
) -> onnx.ModelProto:
    graph = helper.make_graph(
        nodes,
        "test",
        [helper.make_tensor_value_info(names[0], TensorProto.FLOAT, list(shape))],
        [helper.make_tensor_value_info(names[1], TensorProto.FLOAT, [1, None, None, None])],
        initializer=list(initializers),
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], ir_version=7)
    if contract is not None:
        helper.set_model_props(model, contract.to_metadata())
    return model


def _conv_weights(prefix: str = "w", c_in: int = 3, c_out: int = 3, k: int = 3) -> list[TensorProto]:
    rng = np.random.default_rng(0)
    return [_tensor(prefix, rng.normal(0, 0.1, (c_out, c_in, k, k))), _tensor(prefix + "_b", np.zeros(c_out))]


def _errors_at(report: ValidationReport, where: str) -> list[str]:
    return [p.message for p in report.errors if p.where == where]


def _good_model() -> onnx.ModelProto:
    nodes = [
        helper.make_node("Conv", ["input", "w", "w_b"], ["c"], name="conv", pads=[1, 1, 1, 1]),
        helper.make_node("Upsample", ["c", "scales"], ["output"], name="up", mode="nearest"),
    ]
    return _model(nodes, [*_conv_weights(), _tensor("scales", [1, 1, 2, 2])])


def test_a_clean_graph_passes() -> None:
    report = validate_model(_good_model())
    assert report.ok and not report.problems, report.describe()
    assert report.contract == UNIT and report.opset == 9


def test_resize_with_attributes_barracuda_ignores_is_rejected() -> None:
    nodes = [helper.make_node("Resize", ["input", "roi", "scales"], ["output"], name="resize_up", mode="nearest",
                              coordinate_transformation_mode="align_corners")]  # fmt: skip
    report = validate_model(_model(nodes, [_tensor("roi", []), _tensor("scales", [1, 1, 2, 2])], opset=11))
    [message] = _errors_at(report, "Resize node 'resize_up'")
    assert "coordinate_transformation_mode='align_corners' is ignored by Barracuda" in message


def test_non_integer_upsample_scales_are_rejected() -> None:
    nodes = [helper.make_node("Upsample", ["input", "scales"], ["output"], name="up15", mode="nearest")]
    report = validate_model(_model(nodes, [_tensor("scales", [1, 1, 1.5, 1.5])]))
    [message] = _errors_at(report, "Upsample node 'up15'")
    assert "not integers" in message


def _dynamic_pad_model() -> onnx.ModelProto:
    nodes = [
        helper.make_node("Shape", ["input"], ["shape"], name="shape"),
        helper.make_node("Concat", ["shape", "shape"], ["twice"], name="twice", axis=0),
        helper.make_node("Sub", ["twice", "twice"], ["pads"], name="zeros"),
        helper.make_node("Pad", ["input", "pads"], ["output"], name="pad_from_shape", mode="reflect"),
    ]
    return _model(nodes, opset=11)


def test_a_pad_whose_pads_are_computed_at_run_time_is_rejected() -> None:
    report = validate_model(_dynamic_pad_model())
    [message] = _errors_at(report, "Pad node 'pad_from_shape'")
    assert "input 1 ('pads') depends on the input image" in message
    assert not _errors_at(report, "Concat node 'twice'")  # concatenating 1-D shape tensors is fine
    with pytest.raises(RewriteError, match=r"Pad node 'pad_from_shape'.*computed from the image"):
        make_barracuda_safe(_dynamic_pad_model())


def test_fp16_tensors_are_rejected() -> None:
    nodes = [
        helper.make_node("Cast", ["bias16"], ["bias"], name="widen", to=TensorProto.FLOAT),
        helper.make_node("Add", ["input", "bias"], ["output"], name="add_bias"),
    ]
    report = validate_model(_model(nodes, [_tensor("bias16", np.zeros((1, 3, 1, 1)), np.float16)]))
    [message] = _errors_at(report, "initializer 'bias16'")
    assert "fp16" in message and "fp32" in next(p.fix for p in report.errors)


def test_an_operator_barracuda_lacks_is_rejected() -> None:
    nodes = [helper.make_node("LpNormalization", ["input"], ["output"], name="lp_norm", axis=1)]
    report = validate_model(_model(nodes))
    [message] = _errors_at(report, "LpNormalization node 'lp_norm'")
    assert "no importer for LpNormalization" in message


def test_a_model_without_a_contract_is_rejected(tmp_path: Path) -> None:
    model = _good_model()
    del model.metadata_props[:]
    onnx.save(model, tmp_path / "bare.onnx")
    report = validate_file(tmp_path / "bare.onnx")
    [message] = _errors_at(report, "contract")
    assert "no pixel contract" in message and "bare.json" in message
    (tmp_path / "bare.json").write_text(json.dumps({"contract": UNIT.to_dict()}))
    assert validate_file(tmp_path / "bare.onnx").ok


def test_duplicate_metadata_keys_channel_concat_and_sizes_are_checked() -> None:
    nodes = [helper.make_node("Concat", ["input", "input"], ["output"], name="stack_rows", axis=2)]
    model = _model(nodes, shape=(1, 3, 30, 32))
    model.metadata_props.add(key="stylebridge.layout", value="NCHW")
    report = validate_model(model)
    assert "appears 2 times" in _errors_at(report, "metadata 'stylebridge.layout'")[0]
    assert "on axis 2" in _errors_at(report, "Concat node 'stack_rows'")[0]
    assert "not a multiple of 4" in _errors_at(report, "input 'input'")[0]


def _tutorial_like(tmp_path: Path) -> Path:
    """Shaped like the Unity tutorial's final.onnx: PyTorch 1.7, IR 6, opset 9, static 1x3x960x540,
    input 'input.1', output '140', weights also listed as graph inputs, no metadata (a sidecar instead)."""
    rng = np.random.default_rng(1)
    weights = [
        *_conv_weights("c1", 3, 8, 9),
        _tensor("in1.weight", rng.uniform(0.5, 1.5, 8)),
        _tensor("in1.bias", rng.normal(0, 0.1, 8)),
        _tensor("up_scales", [1, 1, 2, 2]),
        *_conv_weights("c2", 8, 3, 3),
    ]
    nodes = [
        helper.make_node("Pad", ["input.1"], ["p1"], mode="reflect", pads=[0, 0, 4, 4, 0, 0, 4, 4]),
        helper.make_node("Conv", ["p1", "c1", "c1_b"], ["c1_out"], kernel_shape=[9, 9]),
        helper.make_node("InstanceNormalization", ["c1_out", "in1.weight", "in1.bias"], ["n1"], epsilon=1e-5),
        helper.make_node("Relu", ["n1"], ["r1"]),
        helper.make_node("Add", ["r1", "r1"], ["a1"]),
        helper.make_node("Upsample", ["a1", "up_scales"], ["u1"], mode="nearest"),
        helper.make_node("Pad", ["u1"], ["p2"], mode="reflect", pads=[0, 0, 1, 1, 0, 0, 1, 1]),
        helper.make_node("Conv", ["p2", "c2", "c2_b"], ["140"], kernel_shape=[3, 3]),
    ]
    model = _model(nodes, weights, contract=None, shape=(1, 3, 960, 540), names=("input.1", "140"))
    model.ir_version = 6
    model.producer_name, model.producer_version = "pytorch", "1.7"
    model.graph.input.extend(helper.make_tensor_value_info(t.name, t.data_type, list(t.dims)) for t in weights)
    onnx.save(model, tmp_path / "final.onnx")
    (tmp_path / "final.json").write_text(json.dumps({"contract": TUTORIAL.to_dict()}))
    return tmp_path / "final.onnx"


def test_a_graph_shaped_like_the_tutorials_final_onnx_passes(tmp_path: Path) -> None:
    report = validate_file(_tutorial_like(tmp_path))
    assert report.ok, report.describe()
    assert report.contract == TUTORIAL
    assert {p.where for p in report.warnings} == {"input 'input.1'", "output '140'"}  # names differ from ours


def test_rewriting_identity_weights_fixes_the_graph_without_changing_it(tmp_path: Path) -> None:
    nodes = [
        helper.make_node("Identity", ["ones"], ["scale"], name="share_scale"),
        helper.make_node("InstanceNormalization", ["input", "scale", "zeros"], ["output"], name="norm"),
    ]
    model = _model(nodes, [_tensor("ones", np.ones(3)), _tensor("zeros", np.zeros(3))])
    assert "computed by nodes" in _errors_at(validate_model(model), "InstanceNormalization node 'norm'")[0]
    onnx.save(model, tmp_path / "before.onnx")
    changes = make_barracuda_safe(model)
    assert changes == ["Identity(ones) -> initializer scale"]
    assert validate_model(model).ok
    onnx.save(model, tmp_path / "after.onnx")
    x = np.random.default_rng(0).random((1, 3, 8, 12), dtype=np.float32)
    names = ("before", "after")
    before, after = (create_session(tmp_path / f"{name}.onnx", "cpu").run(None, {"input": x})[0] for name in names)
    np.testing.assert_array_equal(before, after)


def test_cli_validate_exit_status_and_messages(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(_tutorial_like(tmp_path))]) == 0
    assert "OK for Barracuda" in capsys.readouterr().out
    assert main(["validate", str(_tutorial_like(tmp_path)), "--strict"]) == 1
    capsys.readouterr()
    onnx.save(_dynamic_pad_model(), tmp_path / "bad.onnx")
    assert main(["validate", str(tmp_path / "bad.onnx")]) == 1
    out = capsys.readouterr().out
    assert "error: Pad node 'pad_from_shape'" in out and "Fix: make the value constant" in out
    assert "NOT importable" in out
    (tmp_path / "junk.onnx").write_bytes(b"not a model")
    assert main(["validate", str(tmp_path / "junk.onnx")]) == 1
    assert "not a readable ONNX file" in capsys.readouterr().out


def test_a_model_checked_against_another_checkpoint_is_importable_with_a_parity_mismatch(
    make_checkpoint: Callable[..., Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = export_onnx(make_checkpoint("tiny"), tmp_path / "m.onnx", parity_sizes=PARITY, reference_size=(48, 32))
    report = validate_file(model.files.onnx, make_checkpoint("tiny", seed=1), PARITY)
    assert report.importable and not report.errors and not report.matches_checkpoint and not report.ok
    assert main(["validate", str(model.files.onnx), "--checkpoint", str(make_checkpoint("tiny", seed=1))]) == 1
    out = capsys.readouterr().out
    assert "NOT importable" not in out and "OK for Barracuda, 0 warning(s)" in out
    assert "PARITY MISMATCH: ONNX Runtime differs from PyTorch by up to" in out
    assert "Is the checkpoint the one this model was exported from?" in out
    assert main(["validate", str(model.files.onnx), "--checkpoint", str(make_checkpoint("tiny"))]) == 0
    assert "matches the checkpoint: ONNX Runtime and PyTorch agree within 0.0001" in capsys.readouterr().out


def test_sizes_that_cannot_be_checked_are_said_not_ignored(
    make_checkpoint: Callable[..., Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    checkpoint = make_checkpoint("tiny")
    static = export_onnx(checkpoint, tmp_path / "static.onnx", static=(48, 32), parity_sizes=PARITY).files.onnx
    assert main(["validate", str(static), "--checkpoint", str(checkpoint), "--size", "96x64"]) == 0
    out = capsys.readouterr().out
    assert "parity 48x32" in out and "parity 96x64" not in out
    assert "note: the model's input is fixed at 48x32, so parity is checked at that size only, not at 96x64" in out
    assert main(["validate", str(static), "--size", "96x64"]) == 0
    assert "note: --size sets the parity check's frames, and parity needs --checkpoint" in capsys.readouterr().out
