"""What a model costs: parameters, megabytes, multiply-adds at a resolution, and measured frames per second.

Size and multiply-adds come from `info`'s code (`pipeline.models.info`, `pipeline.export.info`). Speed
is measured, not estimated: one frame of the asked size is stylized through the same stylizers as
`stylize` and `serve` (pixel conversions included), once to warm up, then again until `seconds`
have passed (at least `MIN_RUNS` times); fps = 1 / the median time of one frame. Backends: PyTorch
and ONNX Runtime on the CPU, and both on CUDA when a GPU is there. A checkpoint is exported to a
temporary .onnx for ONNX Runtime (`stylebridge export`'s own path, so a model that would not export
says so); an .onnx has its network rebuilt from its metadata for PyTorch (the same architecture and
sizes cost the same whatever the weights), when the metadata names one.
"""

from __future__ import annotations

import json
import logging
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from pipeline.core.contract import METADATA_PREFIX
from pipeline.core.errors import StylebridgeError
from pipeline.export.exporter import export_onnx
from pipeline.export.info import onnx_info
from pipeline.export.runtime import load_onnx, usable_providers
from pipeline.inference.files import is_onnx_file
from pipeline.inference.onnx_stylizer import OnnxStylizer
from pipeline.inference.torch_stylizer import TorchStylizer
from pipeline.models import StyleNet, build_architecture
from pipeline.models.checkpoint import load_checkpoint
from pipeline.models.info import model_info

log = logging.getLogger(__name__)

MIN_RUNS = 3


@dataclass
class ModelFigures:
    path: str
    name: str  # the preset, else the architecture, else the file name
    architecture: str | None
    parameters: int
    size_mb: float  # fp32 weights, 1 MB = 10^6 bytes
    file_mb: float  # the file as given
    width: int
    height: int
    macs: int | None  # multiply-adds of one frame at width x height (None: an .onnx we cannot rebuild)
    fps: dict[str, float | None] = field(default_factory=dict)  # "pytorch cpu", "onnxruntime cpu", ... -> fps
    notes: list[str] = field(default_factory=list)  # why a figure is missing


def measure_fps(stylize: Callable[[torch.Tensor], torch.Tensor], frame: torch.Tensor, seconds: float) -> float:
    """Frames per second of `stylize` on `frame` (see the module docstring): 1 / the median time of one frame,
    which shrugs off moments when other work takes the machine. The result is fetched to the CPU, so a GPU's
    queued work is counted."""
    stylize(frame).cpu()
    times: list[float] = []
    start = time.perf_counter()
    while len(times) < MIN_RUNS or time.perf_counter() - start < seconds:
        began = time.perf_counter()
        stylize(frame).cpu()
        times.append(time.perf_counter() - began)
    return 1.0 / float(np.median(times))


def _network(path: Path) -> tuple[StyleNet | None, str]:
    """The network behind a checkpoint or a stylebridge .onnx (an .onnx's with fresh weights), and its name."""
    if not is_onnx_file(path):
        checkpoint = load_checkpoint(path)
        return checkpoint.build_model(), checkpoint.name
    metadata = {p.key[len(METADATA_PREFIX) :]: p.value for p in load_onnx(path).metadata_props}
    name = metadata.get("preset") or metadata.get("architecture") or path.name
    if "architecture" not in metadata or "config" not in metadata:
        return None, name
    return build_architecture(metadata["architecture"], json.loads(metadata["config"])), name


def model_figures(
    path: str | Path, width: int = 960, height: int = 540, seconds: float = 1.0, devices: tuple[str, ...] = ()
) -> ModelFigures:
    """Size, multiply-adds at width x height and fps of the model file `path` on `devices` (default: the CPU,
    and CUDA when PyTorch sees a GPU)."""
    path = Path(path)
    devices = devices or (("cpu", "cuda") if torch.cuda.is_available() else ("cpu",))
    network, name = _network(path)
    if network is not None:
        info = model_info(network, name, width, height)
        parameters, macs = info.parameters, info.macs
    else:
        described = onnx_info(path, width, height)
        parameters, macs = described.parameters, described.macs
    figures = ModelFigures(
        str(path), name, network.architecture if network else None, parameters, parameters * 4 / 1e6,
        path.stat().st_size / 1e6, width, height, macs,
    )  # fmt: skip
    frame = torch.rand(1, 3, height, width, generator=torch.Generator().manual_seed(0))
    if network is None:
        figures.notes.append("no PyTorch fps: the .onnx names no stylebridge network to rebuild")
    with tempfile.TemporaryDirectory(prefix="stylebridge-fps-") as folder:
        onnx_path = path if is_onnx_file(path) else _exported(path, Path(folder), figures)
        for device in devices:
            if network is not None:
                stylizer = TorchStylizer(network, device)
                figures.fps[f"pytorch {device}"] = measure_fps(stylizer.run_unit, frame, seconds)
            if onnx_path is not None and _runtime_has(device):
                runtime = OnnxStylizer(onnx_path, device)
                figures.fps[f"onnxruntime {device}"] = measure_fps(runtime.run_unit, frame, seconds)
    log.info("%s: %s", name, ", ".join(f"{k} {v:.1f} fps" for k, v in figures.fps.items() if v is not None) or "no fps")
    return figures


def _exported(checkpoint: Path, folder: Path, figures: ModelFigures) -> Path | None:
    try:
        return export_onnx(checkpoint, folder / "model.onnx").files.onnx
    except StylebridgeError as exc:
        figures.notes.append(f"no ONNX Runtime fps: the checkpoint does not export ({str(exc).splitlines()[0]})")
        return None


def _runtime_has(device: str) -> bool:
    return device == "cpu" or any(p != "CPUExecutionProvider" for p in usable_providers("auto"))
