"""`export`: every registered model, both I/O modes, validated and compared with PyTorch by ONNX Runtime."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import onnx
import pytest

from pipeline.cli.main import main
from pipeline.core.contract import METADATA_PREFIX
from pipeline.core.fileio import file_sha256, load_rgb, save_png
from pipeline.export import exporter, validate
from pipeline.export.barracuda_ops import SUPPORTED_OPS
from pipeline.export.exporter import ExportError, ModelFiles, export_onnx
from pipeline.export.runtime import create_session, read_contract
from pipeline.inference.files import load_stylizer
from pipeline.inference.onnx_stylizer import OnnxStylizer
from pipeline.inference.torch_stylizer import TorchStylizer
from pipeline.models import PRESETS, create_model
from pipeline.models.checkpoint import Checkpoint, load_checkpoint, save_checkpoint

SIZES = ((48, 32), (64, 40))  # (width, height): small, and two shapes


@pytest.mark.parametrize("io_mode", ["unit", "raw"])
@pytest.mark.parametrize("preset", list(PRESETS))
def test_every_registered_model_exports_clean_and_matches_pytorch(
    preset: str, io_mode: str, make_checkpoint: Callable[..., Path], tmp_path: Path
) -> None:
    checkpoint = make_checkpoint(preset)
    result = export_onnx(checkpoint, tmp_path / "out" / "model.onnx", io_mode=io_mode, parity_sizes=SIZES,
                         reference_size=(48, 32))  # fmt: skip
    assert result.report.ok and not result.report.warnings, result.report.describe()
    assert [(r.width, r.height) for r in result.report.parity] == list(SIZES)
    assert all(r.max_abs <= r.bound for r in result.report.parity)

    model = onnx.load(str(result.files.onnx))
    assert {o.domain or "ai.onnx": o.version for o in model.opset_import}["ai.onnx"] == 9
    assert {n.op_type for n in model.graph.node} <= SUPPORTED_OPS - {"Identity"}
    assert [i.name for i in model.graph.input] == ["input"] and [o.name for o in model.graph.output] == ["output"]
    assert all(t.data_type == onnx.TensorProto.FLOAT for t in model.graph.initializer)
    keys = [p.key for p in model.metadata_props]
    assert len(keys) == len(set(keys)) and all(k.startswith(METADATA_PREFIX) for k in keys)
    network = load_checkpoint(checkpoint).contract
    expected = network.as_unit_io() if io_mode == "unit" else network
    assert read_contract(result.files.onnx) == expected
    metadata = {p.key: p.value for p in model.metadata_props}
    assert metadata["stylebridge.io"] == io_mode and metadata["stylebridge.preset"] == preset
    assert metadata["stylebridge.source_checkpoint_sha256"] == file_sha256(checkpoint)


def test_sidecar_and_reference_pair_describe_the_model(make_checkpoint: Callable[..., Path], tmp_path: Path) -> None:
    result = export_onnx(make_checkpoint("tiny"), tmp_path / "tiny.onnx", parity_sizes=SIZES, reference_size=(48, 32))
    files = result.files
    assert files == ModelFiles.beside(tmp_path / "tiny.onnx")
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix != ".pt") == sorted(
        p.name
        for p in [files.onnx, files.sidecar, files.reference_image, files.reference_input, files.reference_output]
    )
    sidecar = json.loads(files.sidecar.read_text())
    assert sidecar["onnx_sha256"] == file_sha256(files.onnx)
    assert sidecar["contract"]["input_range"] == "0_1" and sidecar["network_contract"]["input_range"] == "0_255"
    assert sidecar["input"] == {"name": "input", "shape": [1, 3, "height", "width"]}
    reference = sidecar["reference"]
    assert reference["shape"] == [1, 3, 32, 48] and reference["layout"] == "NCHW" and reference["dtype"] == "float32"
    pixels = load_rgb(tmp_path / reference["image"])
    graph_input = np.fromfile(tmp_path / reference["input"], dtype="<f4").reshape(reference["shape"])
    graph_output = np.fromfile(tmp_path / reference["output"], dtype="<f4").reshape(reference["shape"])
    np.testing.assert_array_equal(graph_input, pixels.transpose(2, 0, 1)[None] / np.float32(255))
    session = create_session(files.onnx, device="cpu")
    np.testing.assert_array_equal(session.run(None, {"input": graph_input})[0], graph_output)
    assert graph_output.min() >= 0.0 and graph_output.max() <= 1.0


def test_fresh_weights_lose_their_identity_nodes(tmp_path: Path) -> None:
    """Untrained InstanceNorm weights are all equal: the exporter shares them through Identity nodes."""
    checkpoint = save_checkpoint(tmp_path / "fresh.pt", Checkpoint.from_model(create_model("tiny"), preset="tiny"))
    result = export_onnx(checkpoint, tmp_path / "fresh.onnx", parity_sizes=SIZES, reference_size=(48, 32))
    assert any(line.startswith("Identity(") for line in result.rewrites)
    assert "Identity" not in {n.op_type for n in onnx.load(str(result.files.onnx)).graph.node}


@pytest.mark.parametrize("opset", [11, 13])
def test_newer_opsets_get_constant_pads_and_plain_resizes(
    opset: int, make_checkpoint: Callable[..., Path], tmp_path: Path
) -> None:
    result = export_onnx(make_checkpoint("tiny"), tmp_path / "m.onnx", opset=opset, parity_sizes=SIZES,
                         reference_size=(48, 32))  # fmt: skip
    assert result.report.ok and [p.where for p in result.report.warnings] == ["model"]  # "opset 9 is best"
    graph = onnx.load(str(result.files.onnx)).graph
    initializers = {t.name for t in graph.initializer}
    assert {n.op_type for n in graph.node} <= {"Pad", "Conv", "InstanceNormalization", "Relu", "Add", "Resize",
                                              "Mul", "Div", "Clip", "Constant"}  # fmt: skip
    for node in graph.node:
        if node.op_type == "Pad":
            assert node.input[1] in initializers
        if node.op_type == "Resize":
            assert {a.name for a in node.attribute} <= {"mode", "cubic_coeff_a"}


def test_static_size_fixes_the_input(make_checkpoint: Callable[..., Path], tmp_path: Path) -> None:
    result = export_onnx(make_checkpoint("fewshot-small"), tmp_path / "m.onnx", static=(40, 24))
    dims = [d.dim_value for d in onnx.load(str(result.files.onnx)).graph.input[0].type.tensor_type.shape.dim]
    assert dims == [1, 3, 24, 40]
    assert [(r.width, r.height) for r in result.report.parity] == [(40, 24)]
    assert json.loads(result.files.sidecar.read_text())["reference"]["shape"] == [1, 3, 24, 40]
    stylizer = load_stylizer(result.files.onnx, device="cpu")
    assert stylizer(np.zeros((24, 40, 3), np.uint8)).shape == (24, 40, 3)
    with pytest.raises(ValueError, match=r"takes only 40x24 \(WxH\) inputs, got 48x32"):
        stylizer(np.zeros((32, 48, 3), np.uint8))


def test_a_model_that_fails_validation_is_never_written(make_checkpoint: Callable[..., Path], tmp_path: Path) -> None:
    checkpoint = make_checkpoint("tiny")
    out = tmp_path / "out"
    with pytest.raises(ExportError, match="outside the opsets"):
        export_onnx(checkpoint, out / "m.onnx", opset=17, parity_sizes=SIZES)
    assert not out.exists() or not any(out.iterdir())
    with pytest.raises(ValueError, match="multiples of 4"):
        export_onnx(checkpoint, out / "m.onnx", static=(50, 30))
    with pytest.raises(ValueError, match="too small"):
        export_onnx(checkpoint, out / "m.onnx", static=(4, 4))


def test_stylize_runs_an_exported_model_like_the_checkpoint(
    make_checkpoint: Callable[..., Path], frame: np.ndarray, tmp_path: Path
) -> None:
    checkpoint = make_checkpoint("tiny")
    result = export_onnx(checkpoint, tmp_path / "tiny.onnx", parity_sizes=SIZES, reference_size=(48, 32))
    stylizer = load_stylizer(result.files.onnx, device="cpu")
    assert isinstance(stylizer, OnnxStylizer)
    torch_image = TorchStylizer(load_checkpoint(checkpoint).build_model())(frame)
    onnx_image = stylizer(frame)
    assert onnx_image.shape == frame.shape
    assert np.abs(onnx_image.astype(int) - torch_image.astype(int)).max() <= 1


def test_cli_export_validate_and_stylize(
    make_checkpoint: Callable[..., Path], frame: np.ndarray, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    checkpoint = make_checkpoint("tiny")
    model = tmp_path / "cli.onnx"
    assert main(["export", str(checkpoint), "-o", str(model), "--io", "raw", "--reference-size", "48x32"]) == 0
    assert "OK for Barracuda" in capsys.readouterr().out
    assert main(["validate", str(model), "--checkpoint", str(checkpoint), "--size", "48x32", "--size", "64x40"]) == 0
    out = capsys.readouterr().out
    assert "parity 48x32: max abs" in out and "parity 64x40" in out
    other = make_checkpoint("tiny", seed=1)  # not the checkpoint it came from: parity fails
    assert main(["validate", str(model), "--checkpoint", str(other), "--size", "48x32"]) == 1
    assert "ONNX Runtime differs from PyTorch" in capsys.readouterr().out
    image = save_png(tmp_path / "frame.png", frame)
    assert main(["stylize", str(model), str(image), "-o", str(tmp_path / "styled.png"), "--device", "cpu"]) == 0
    assert load_rgb(tmp_path / "styled.png").shape == frame.shape


def test_an_output_not_named_onnx_is_refused_before_any_work(
    make_checkpoint: Callable[..., Path], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    assert main(["export", str(make_checkpoint("tiny")), "-o", str(tmp_path / "x.txt")]) == 1
    assert "must end in .onnx" in caplog.text and f"try {tmp_path / 'x.onnx'}" in caplog.text
    assert not list(tmp_path.glob("x*"))
    assert export_onnx(make_checkpoint("tiny"), tmp_path / "upper.ONNX", parity_sizes=SIZES).files.onnx.is_file()


def test_opsets_torch_cannot_write_are_refused_clearly(
    make_checkpoint: Callable[..., Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    checkpoint = make_checkpoint("tiny")
    with pytest.raises(ExportError, match="opset 8 cannot be exported"):
        export_onnx(checkpoint, tmp_path / "old.onnx", opset=8)
    with pytest.raises(SystemExit):
        main(["export", str(checkpoint), "-o", str(tmp_path / "old.onnx"), "--opset", "8"])
    assert "9..13" in capsys.readouterr().err
    assert not list(tmp_path.glob("old*"))


def test_one_export_reads_the_checkpoint_once_and_runs_one_onnx_runtime_session(
    make_checkpoint: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: dict[str, int] = {"load_checkpoint": 0, "create_session": 0, "onnx.load": 0}

    def counted(name: str, function: Callable) -> Callable:
        def wrapper(*args: object, **kwargs: object) -> object:
            calls[name] += 1
            return function(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(exporter, "load_checkpoint", counted("load_checkpoint", exporter.load_checkpoint))
    monkeypatch.setattr(exporter, "create_session", counted("create_session", exporter.create_session))
    monkeypatch.setattr(validate, "create_session", counted("create_session", validate.create_session))
    monkeypatch.setattr(onnx, "load", counted("onnx.load", onnx.load))
    result = export_onnx(make_checkpoint(), tmp_path / "tiny.onnx")
    assert calls == {"load_checkpoint": 1, "create_session": 1, "onnx.load": 0}
    assert len(result.report.parity) == 2 and result.model.graph.node
