"""Export a checkpoint to an ONNX model that Unity Barracuda imports, with its contract and a reference pair.

`export_onnx` runs PyTorch's TorchScript exporter (opset 9 by default, fp32, eval mode, constant
folding, input `input` and output `output`, H and W dynamic unless a static size is asked for),
rewrites what Barracuda cannot import (`pipeline.export.rewrite`), writes the pixel contract into
`metadata_props`, and validates the result, parity with PyTorch included. Only a model that passes
is written. Beside `model.onnx` go:

* `model.json`: the sidecar, the same contract plus what the model is, where it came from, hashes,
  the parity measured and the reference pair's layout;
* `model.reference.png`: an 8-bit sRGB input frame, and `model.reference_input.bytes` /
  `model.reference_output.bytes`: the exported graph's own input and output for it, raw float32
  little-endian NCHW (1, 3, H, W), row 0 = top. Unity feeds the input, compares its output.

With `io="unit"` the contract is baked into the graph ([0, 1] in, [0, 1] out, clamped), so Unity never
scales pixels; with `io="raw"` the graph keeps the network's ranges (as the original tutorial
exported them) and the metadata says which. Files are written atomically, the .onnx last.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import time
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
import torch
from torch import nn

from pipeline import __version__
from pipeline.core.contract import METADATA_PREFIX, PixelContract, image_to_unit_tensor
from pipeline.core.errors import StylebridgeError
from pipeline.core.fileio import atomic_write_bytes, atomic_write_text, file_sha256, save_png
from pipeline.core.synthetic import game_frame
from pipeline.export.barracuda_ops import EXPORT_OPSETS, RECOMMENDED_OPSET
from pipeline.export.parity import DEFAULT_PARITY_SIZES
from pipeline.export.rewrite import make_barracuda_safe
from pipeline.export.runtime import create_session, sidecar_path
from pipeline.export.validate import ValidationReport, validate_model
from pipeline.models import StyleNet
from pipeline.models.checkpoint import load_checkpoint

log = logging.getLogger(__name__)

IO_MODES = ("unit", "raw")
SIDECAR_FORMAT = "stylebridge.model"
DEFAULT_REFERENCE_SIZE = (128, 72)  # (width, height)


class ExportError(StylebridgeError, ValueError):
    """The exported graph failed validation; nothing was written."""


@dataclass(frozen=True)
class ModelFiles:
    """The files of one exported model, named after its .onnx."""

    onnx: Path
    sidecar: Path
    reference_image: Path
    reference_input: Path
    reference_output: Path

    @classmethod
    def beside(cls, onnx_path: str | Path) -> ModelFiles:
        path = Path(onnx_path)
        stem = path.with_suffix("")
        return cls(
            path,
            sidecar_path(path),
            Path(f"{stem}.reference.png"),
            Path(f"{stem}.reference_input.bytes"),
            Path(f"{stem}.reference_output.bytes"),
        )


@dataclass
class ExportResult:
    files: ModelFiles
    report: ValidationReport
    model: onnx.ModelProto  # what was written to files.onnx, already validated: deploy it without reloading
    rewrites: list[str] = field(default_factory=list)
    seconds: float = 0.0


class UnitIO(nn.Module):
    """A network wrapped in its contract: [0, 1] in, [0, 1] out (clamped), as the exported graph's I/O.

    The arithmetic is the contract's own (`PixelContract.run_unit_io`), which emits only what a range
    needs (TransformerNet: x*255 in, /255 out), all of it Mul/Add/Sub/Div/Clip, which Barracuda imports.
    """

    def __init__(self, net: StyleNet) -> None:
        super().__init__()
        self.net = net
        self.contract = net.contract

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.contract.run_unit_io(self.net, x)


def export_onnx(
    checkpoint_path: str | Path,
    output: str | Path,
    *,
    io_mode: str = "unit",
    opset: int = RECOMMENDED_OPSET,
    static: tuple[int, int] | None = None,
    parity_sizes: Sequence[tuple[int, int]] = DEFAULT_PARITY_SIZES,
    reference_size: tuple[int, int] = DEFAULT_REFERENCE_SIZE,
) -> ExportResult:
    """Export, fix up, validate (parity included) and write a model and its companions.

    static and the sizes are (width, height). Raises ExportError, leaving nothing behind, when the
    graph fails validation or parity.
    """
    if io_mode not in IO_MODES:
        raise ExportError(f"--io must be one of {', '.join(IO_MODES)}, got {io_mode!r}")
    if Path(output).suffix.lower() != ".onnx":
        raise ExportError(
            f"the model file must end in .onnx (Unity and stylebridge recognise models by it), got {output}; "
            f"try {Path(output).with_suffix('.onnx')}"
        )
    if opset < EXPORT_OPSETS.start:  # (newer opsets than Barracuda reads are exported, then refused by validation)
        raise ExportError(
            f"opset {opset} cannot be exported (torch writes nearest upsampling from opset 9 on); "
            f"use one of {EXPORT_OPSETS[0]}..{EXPORT_OPSETS[-1]}, 9 for Barracuda"
        )
    start = time.perf_counter()
    checkpoint_path, files = Path(checkpoint_path), ModelFiles.beside(output)
    checkpoint = load_checkpoint(checkpoint_path)
    model = checkpoint.build_model().eval().float().cpu()
    if model.input_channels != 3:
        raise ExportError(
            f"{checkpoint_path.name} takes {model.input_channels} input channels (RGB plus guide images); the engine "
            "and the bridge send RGB frames only. Train the model without --guides to use it in Unity"
        )
    network = model.contract
    graph_contract = network.as_unit_io() if io_mode == "unit" else network
    if static is not None:
        model.check_input(torch.empty(1, 3, static[1], static[0]))  # size multiple and minimum size
    proto = trace_to_onnx(UnitIO(model) if io_mode == "unit" else model, network, opset, static)
    rewrites = make_barracuda_safe(proto)
    for line in rewrites:
        log.debug("rewrite: %s", line)
    metadata = {
        **graph_contract.to_metadata(),
        f"{METADATA_PREFIX}io": io_mode,
        f"{METADATA_PREFIX}network_input_range": network.input_range,
        f"{METADATA_PREFIX}network_output_range": network.output_range,
        f"{METADATA_PREFIX}architecture": checkpoint.architecture,
        f"{METADATA_PREFIX}config": json.dumps(checkpoint.config, sort_keys=True),
        f"{METADATA_PREFIX}preset": checkpoint.preset or "",
        f"{METADATA_PREFIX}source_checkpoint": checkpoint_path.name,
        f"{METADATA_PREFIX}source_checkpoint_sha256": file_sha256(checkpoint_path),
        f"{METADATA_PREFIX}step": str(checkpoint.step),
        f"{METADATA_PREFIX}content_sha256": hashlib.sha256(proto.graph.SerializeToString()).hexdigest(),
        f"{METADATA_PREFIX}exporter": f"stylebridge {__version__}, torch {torch.__version__}",
    }
    del proto.metadata_props[:]
    onnx.helper.set_model_props(proto, metadata)
    data = proto.SerializeToString()

    # One session serves the parity check and the reference pair; the checkpoint was read once, above.
    session = create_session(data, device="cpu", name=files.onnx.name)
    report = validate_model(proto, None, str(files.onnx), network=model, sizes=parity_sizes, session=session)
    if not report.importable:
        raise ExportError(f"the exported graph is not fit for Barracuda; nothing was written.\n{report.describe()}")
    if not report.matches_checkpoint:
        raise ExportError(f"ONNX Runtime does not reproduce PyTorch; nothing was written.\n{report.describe()}")
    reference = ReferencePair.compute(session, graph_contract, static or reference_size)
    shape: list[int | str] = [1, 3, static[1], static[0]] if static else [1, 3, "height", "width"]
    sidecar = {
        "format": SIDECAR_FORMAT,
        "format_version": 1,
        "model": files.onnx.name,
        "onnx_sha256": hashlib.sha256(data).hexdigest(),
        "contract": graph_contract.to_dict(),
        "network_contract": network.to_dict(),
        "metadata": metadata,
        "architecture": checkpoint.architecture,
        "config": checkpoint.config,
        "preset": checkpoint.preset,
        "opset": opset,
        "input": {"name": "input", "shape": shape},
        "output": {"name": "output", "shape": shape},
        "source_checkpoint": {
            "name": checkpoint_path.name,
            "sha256": metadata[f"{METADATA_PREFIX}source_checkpoint_sha256"],
            "step": checkpoint.step,
        },
        "parity": [asdict(result) for result in report.parity],
        "reference": {**reference.layout(), **reference_names(files)},
    }
    reference.write(files)
    atomic_write_text(files.sidecar, json.dumps(sidecar, indent=2))
    atomic_write_bytes(files.onnx, data)
    seconds = time.perf_counter() - start
    # The one summary of an export (parity and problems are in `report`, which callers print when they want it).
    log.info(
        "exported %s (%s, io %s, opset %d) to %s with %s and the reference pair in %.1f s",
        checkpoint_path.name,
        checkpoint.name,
        io_mode,
        opset,
        files.onnx,
        files.sidecar.name,
        seconds,
    )
    return ExportResult(files, report, proto, rewrites, seconds)


def trace_to_onnx(
    module: nn.Module, network: PixelContract, opset: int, static: tuple[int, int] | None
) -> onnx.ModelProto:
    """The TorchScript exporter's graph for `module` (batch 1; H and W dynamic unless `static`)."""
    width, height = static or (8 * network.size_multiple, 8 * network.size_multiple)
    example = torch.rand(1, 3, height, width)
    dynamic = None if static else {"input": {2: "height", 3: "width"}, "output": {2: "height", 3: "width"}}
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        # The TorchScript exporter announces its own deprecation, warns that InstanceNorm uses input
        # statistics (as it should), that Upsample may differ from interpolate (not for integer
        # nearest scales) and that shape checks were traced as constants; parity at two sizes is
        # measured instead.
        warnings.filterwarnings("ignore", category=torch.jit.TracerWarning)
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        warnings.filterwarnings("ignore", category=FutureWarning)
        warnings.filterwarnings("ignore", category=UserWarning, module=r"torch\.onnx")
        try:
            torch.onnx.export(
                module.eval(),
                (example,),
                buffer,
                dynamo=False,
                export_params=True,
                opset_version=opset,
                do_constant_folding=True,
                input_names=["input"],
                output_names=["output"],
                dynamic_axes=dynamic,
            )
        except Exception as exc:  # torch's exporter raises many types; the user needs one clear message
            raise ExportError(
                f"torch could not export this model at opset {opset}: {exc}. Export at opset 9 (the default), and "
                "keep to the layers in pipeline/models (Barracuda runs only a subset of ONNX)"
            ) from exc
    return onnx.load_from_string(buffer.getvalue())


@dataclass(frozen=True)
class ReferencePair:
    """A reference frame and what the exported graph makes of it, for the Unity-side comparison."""

    pixels: np.ndarray  # (H, W, 3) uint8 sRGB, row 0 = top
    graph_input: np.ndarray  # (1, 3, H, W) float32: the pixels in the graph's input range
    graph_output: np.ndarray  # (1, 3, H, W) float32: ONNX Runtime's output for graph_input

    @classmethod
    def compute(
        cls, session: ort.InferenceSession, graph_contract: PixelContract, size: tuple[int, int]
    ) -> ReferencePair:
        width, height = size
        pixels = game_frame(np.random.default_rng(2024), width, height)
        graph_input = graph_contract.unit_to_input(image_to_unit_tensor(pixels)).numpy()
        (graph_output,) = session.run([session.get_outputs()[0].name], {session.get_inputs()[0].name: graph_input})
        return cls(pixels, graph_input, graph_output)

    def layout(self) -> dict[str, Any]:
        return {
            "shape": list(self.graph_input.shape),
            "dtype": "float32",
            "byte_order": "little",
            "layout": "NCHW",
            "row_origin": "top",
            "values": "the graph's own input and output (in its contract's ranges), not the PNG's bytes",
        }

    def write(self, files: ModelFiles) -> None:
        save_png(files.reference_image, self.pixels)
        atomic_write_bytes(files.reference_input, np.ascontiguousarray(self.graph_input, dtype="<f4").tobytes())
        atomic_write_bytes(files.reference_output, np.ascontiguousarray(self.graph_output, dtype="<f4").tobytes())


def reference_names(files: ModelFiles) -> dict[str, str]:
    return {
        "image": files.reference_image.name,
        "input": files.reference_input.name,
        "output": files.reference_output.name,
    }
