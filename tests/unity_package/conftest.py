"""Fixtures for the Unity package's C# side: the Mono build, and the files the C# tests read.

The C# tests run with Debian's Mono and NUnit. Where they are missing the tests are skipped, except under CI
(`CI=true`), where a missing Mono is a failure: CI installs it (.ci/run), so its absence is a broken build.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
from dataclasses import astuple
from pathlib import Path
from types import ModuleType

import numpy as np
import onnx
import pytest
import torch
from csharp_testing import require_mono

from bridge.compare import compare_images
from bridge.pixels import frame_to_unit
from bridge.protocol import ColorEncoding, Header, MessageType, PixelFormat, RowOrder
from pipeline.cli.main import main
from pipeline.core.contract import PixelContract, unit_to_uint8
from pipeline.core.fileio import load_rgb, save_png
from pipeline.core.synthetic import game_frame
from pipeline.diagnosis.faults import candidate_faults
from pipeline.diagnosis.graphs import OnnxGraph
from pipeline.diagnosis.table import inject
from pipeline.export.exporter import ModelFiles, export_onnx
from pipeline.models import create_model
from pipeline.models.checkpoint import Checkpoint, save_checkpoint
from pipeline.unity.csharp import PackageBuild, build_package
from pipeline.unity.deploy import deploy_model

REPO = Path(__file__).resolve().parents[2]


def _bridge_testing() -> ModuleType:
    """The bridge tests' helpers (tiny_checkpoint), loaded by path: tests/ is not a package."""
    spec = importlib.util.spec_from_file_location("bridge_testing", REPO / "tests" / "bridge" / "bridge_testing.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


tiny_checkpoint = _bridge_testing().tiny_checkpoint


@pytest.fixture(scope="session")
def csharp_build(tmp_path_factory: pytest.TempPathFactory) -> PackageBuild:
    require_mono()
    return build_package(tmp_path_factory.mktemp("csharp-build"))


def _cli(*arguments: str) -> None:
    """Run a `stylebridge` command through its real entry point (in this process: imports cost seconds)."""
    assert main(list(arguments)) == 0, arguments


def _write_models(root: Path) -> None:
    """models/tiny.onnx and tiny_b.onnx (checkpoints elsewhere: the server lists every model file beside --model)."""
    for name, seed in (("tiny", 0), ("tiny_b", 1)):
        export_onnx(tiny_checkpoint(root / "checkpoints" / f"{name}.pt", seed), root / "models" / f"{name}.onnx")


def _write_stylize_case(root: Path) -> None:
    """An input frame and what `stylebridge stylize` makes of it with models/tiny.onnx (odd size: padded)."""
    folder = root / "stylize"
    image = game_frame(np.random.default_rng(5), 70, 42)
    save_png(folder / "input.png", image)
    _cli("stylize", str(root / "models" / "tiny.onnx"), str(folder / "input.png"), "-o", str(folder / "expected.png"))
    (folder / "input.rgb").write_bytes(image.tobytes())
    (folder / "expected.rgb").write_bytes(load_rgb(folder / "expected.png").tobytes())
    (folder / "size.json").write_text(json.dumps({"width": 70, "height": 42}))


def _write_diagnosis_case(root: Path) -> None:
    """A frame and an engine output of models/tiny.onnx with red and blue swapped on the model's input (the
    emulator's `input_bgr` fault), both upright RGB, for the live COMPARE diagnosis test."""
    folder = root / "diagnosis"
    folder.mkdir()
    image = game_frame(np.random.default_rng(6), 48, 32)
    graph = OnnxGraph(root / "models" / "tiny.onnx", "cpu")
    fault = next(f for f in candidate_faults(graph.contract, (48, 32)) if f.name == "input_bgr")
    (folder / "input.rgb").write_bytes(image.tobytes())
    (folder / "engine.rgb").write_bytes(inject(graph, image, (fault,), np.random.default_rng(0)).tobytes())
    (folder / "case.json").write_text(json.dumps({"width": 48, "height": 32, "explanation": fault.name}))


def _write_contract_cases(root: Path) -> None:
    """Every contract the exporter writes: TransformerNet (0..255) and the few-shot generator (-1..1), io unit and raw.

    Per case: the export (the .onnx, its sidecar and reference pair), the ONNX metadata_props as onnx reads them
    back, the reference image's pixels, and what the Python contract makes of the reference output (upright RGB)."""
    torch.manual_seed(3)
    fewshot = save_checkpoint(
        root / "checkpoints" / "fewshot.pt",
        Checkpoint.from_model(create_model("fewshot-small"), preset="fewshot-small"),
    )
    sources = {"tiny": root / "checkpoints" / "tiny.pt", "fewshot": fewshot}
    for (network, checkpoint), io_mode in [(item, io) for item in sources.items() for io in ("unit", "raw")]:
        folder = root / "contracts" / f"{network}-{io_mode}"
        if network == "tiny" and io_mode == "unit":  # models/tiny.onnx is that export already
            folder.mkdir(parents=True)
            files = ModelFiles(
                *(Path(shutil.copy(p, folder)) for p in astuple(ModelFiles.beside(root / "models" / "tiny.onnx")))
            )
        else:
            files = export_onnx(checkpoint, folder / "model.onnx", io_mode=io_mode).files
        metadata = {prop.key: prop.value for prop in onnx.load(str(files.onnx)).metadata_props}
        (folder / "onnx-metadata.json").write_text(json.dumps(metadata))
        (folder / "reference.rgb").write_bytes(load_rgb(files.reference_image).tobytes())
        contract = PixelContract.from_dict(json.loads(files.sidecar.read_text())["contract"])
        output = np.fromfile(files.reference_output, dtype="<f4").reshape(
            1, 3, *load_rgb(files.reference_image).shape[:2]
        )
        expected = unit_to_uint8(np.clip(contract.output_to_unit(output[0]), 0, 1)).transpose(1, 2, 0)
        (folder / "expected_output.rgb").write_bytes(np.ascontiguousarray(expected).tobytes())


def _write_metrics_cases(root: Path) -> None:
    """Image pairs and bridge/compare.py's numbers for them, converted as the server converts COMPARE frames."""
    rng = np.random.default_rng(11)
    cases = [("noise-64x48", 64, 48, PixelFormat.RGBA32, RowOrder.BOTTOM_UP, ColorEncoding.SRGB),
             ("linear-33x21", 33, 21, PixelFormat.RGB24, RowOrder.TOP_DOWN, ColorEncoding.LINEAR),
             ("small-7x5", 7, 5, PixelFormat.RGBA32, RowOrder.TOP_DOWN, ColorEncoding.SRGB),
             ("thin-10x2", 10, 2, PixelFormat.RGB24, RowOrder.BOTTOM_UP, ColorEncoding.SRGB)]  # fmt: skip
    for name, width, height, fmt, rows, encoding in cases:
        channels = 4 if fmt == PixelFormat.RGBA32 else 3
        a = rng.integers(0, 256, (height, width, channels), dtype=np.uint8)
        b = np.clip(a.astype(int) + rng.integers(-20, 21, a.shape), 0, 255).astype(np.uint8)
        header = Header(MessageType.COMPARE, width=width, height=height, pixel_format=fmt, row_order=rows,
                        color_encoding=encoding)  # fmt: skip
        units = [frame_to_unit(image, header)[0].permute(1, 2, 0).numpy() for image in (a, b)]
        metrics = compare_images(*units)
        folder = root / "metrics" / name
        folder.mkdir(parents=True)
        (folder / "a.bin").write_bytes(a.tobytes())
        (folder / "b.bin").write_bytes(b.tobytes())
        layout = {"width": width, "height": height, "pixel_format": fmt.name, "row_order": rows.name,
                  "color_encoding": encoding.name}  # fmt: skip
        (folder / "expected.json").write_text(json.dumps({**layout, **metrics}))


def _write_deployment(root: Path) -> None:
    """A Unity project folder with models/tiny.onnx deployed twice as "demo" (version 2 current)."""
    project = root / "deploy"
    (project / "Assets").mkdir(parents=True)
    for _ in range(2):
        deploy_model(ModelFiles.beside(root / "models" / "tiny.onnx").onnx, project, name="demo", force=True)


@pytest.fixture(scope="session")
def csharp_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder the C# tests read (STYLEBRIDGE_TEST_DATA): models, keys, contracts, metrics, a deployment."""
    require_mono()
    root = tmp_path_factory.mktemp("csharp-data")
    _write_models(root)
    _write_stylize_case(root)
    _write_diagnosis_case(root)
    _write_contract_cases(root)
    _write_metrics_cases(root)
    _write_deployment(root)
    _cli("keys", str(root / "keys"))
    _cli("keys", str(root / "stranger-keys"))
    return root
