"""What the server runs frames through: PyTorch, ONNX Runtime, or nothing (passthrough).

Every backend maps (1, 3, H, W) unit tensors (upright sRGB, [0, 1]) to the same, like the
pipeline's stylizers; a passthrough backend has no model at all, and the server then echoes the
payload bytes untouched, which is what measuring the transport needs.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

import torch

from pipeline.core.contract import PixelContract
from pipeline.core.errors import StylebridgeError
from pipeline.inference.device import resolve_device
from pipeline.inference.files import ONNX_SUFFIX, is_model_file, is_onnx_file
from pipeline.inference.onnx_stylizer import OnnxStylizer
from pipeline.inference.torch_stylizer import TorchStylizer
from pipeline.models.checkpoint import CHECKPOINT_SUFFIXES, load_checkpoint

log = logging.getLogger(__name__)

BACKENDS = ("auto", "torch", "onnxruntime", "passthrough")
PROBE_SIZE = 32  # a probe frame this size proves a freshly loaded model actually runs


class BackendError(StylebridgeError, ValueError):
    """A model that cannot be served with the requested backend."""


class UnitStylizer(Protocol):
    contract: PixelContract

    def run_unit(self, unit: torch.Tensor) -> torch.Tensor: ...


@dataclass(frozen=True)
class Backend:
    """A loaded model (or none, for passthrough) and what to tell clients about it."""

    kind: str  # torch | onnxruntime | passthrough
    stylizer: UnitStylizer | None
    path: Path | None
    device: str

    @property
    def passthrough(self) -> bool:
        return self.stylizer is None

    @property
    def contract(self) -> PixelContract | None:
        return None if self.stylizer is None else self.stylizer.contract

    def info(self) -> dict[str, Any]:
        """The `model` object of HELLO_ACK and CONTROL stats (without `generation`): `contract` is the model's own
        (what the model file takes and returns); `served_contract` the one frames are served under, since the
        server applies the model's contract itself (PROTOCOL.md rule 7)."""
        contract = self.contract
        return {
            "backend": self.kind,
            "model": self.path.name if self.path else None,  # null for passthrough, as PROTOCOL.md says
            "device": self.device,
            "contract": contract.to_dict() if contract else None,
            "served_contract": served_contract(contract).to_dict() if contract else None,
        }


def served_contract(model: PixelContract) -> PixelContract:
    """What a client's frames and results are under: 8-bit values of [0, 1] (the model's ranges applied by the
    server), any size (the server pads to the model's multiple and crops back)."""
    return replace(model.as_unit_io(), size_multiple=1)


def resolve_model_path(path: str | Path) -> Path:
    """A model file as given, or the newest model file in a folder."""
    path = Path(path)
    if path.is_dir():
        candidates = [p for p in path.iterdir() if p.is_file() and is_model_file(p)]
        if not candidates:
            suffixes = ", ".join(sorted({ONNX_SUFFIX, *CHECKPOINT_SUFFIXES}))
            raise BackendError(f"{path} holds no model file ({suffixes})")
        return max(candidates, key=lambda p: p.stat().st_mtime_ns)
    if not path.is_file():
        raise BackendError(f"model {path} does not exist")
    return path


def load_backend(kind: str, model: str | Path | None, device: str = "auto") -> Backend:
    """Load `model` (an .onnx file, a checkpoint, or a folder holding them) for `kind`, and probe it."""
    if kind not in BACKENDS:
        raise BackendError(f"unknown backend {kind!r}; use one of {', '.join(BACKENDS)}")
    if kind == "passthrough":
        return Backend("passthrough", None, None, "cpu")
    if model is None:
        raise BackendError(f"--backend {kind} needs --model (an .onnx file, a checkpoint or a folder)")
    path = resolve_model_path(model)
    is_onnx = is_onnx_file(path)
    if kind == "auto":
        kind = "onnxruntime" if is_onnx else "torch"
    if kind == "torch" and is_onnx:
        raise BackendError(f"{path.name} is an ONNX model: serve it with --backend onnxruntime (or auto)")
    if kind == "onnxruntime" and not is_onnx:
        raise BackendError(
            f"{path.name} is not an .onnx file: export it with `stylebridge export`, or use --backend torch"
        )
    if kind == "torch":
        torch_device = resolve_device(device)
        stylizer: UnitStylizer = TorchStylizer(load_checkpoint(path).build_model(), torch_device, half=True)
        where = str(torch_device) + (" fp16 channels_last" if torch_device.type == "cuda" else "")
    else:
        onnx_stylizer = OnnxStylizer(path, device)
        stylizer, where = onnx_stylizer, ", ".join(onnx_stylizer.providers)
    backend = Backend(kind, stylizer, path, where)
    probe(backend)
    return backend


def probe(backend: Backend) -> None:
    """Run one small frame through the model; raise BackendError if it fails or returns the wrong shape."""
    if backend.stylizer is None:
        return
    size = max(PROBE_SIZE, backend.stylizer.contract.size_multiple * 4)
    try:
        out = backend.stylizer.run_unit(torch.full((1, 3, size, size), 0.5))
    except Exception as exc:  # any failure means "do not serve this model"
        raise BackendError(f"{backend.path} loads but fails on a test frame: {exc}") from exc
    if tuple(out.shape) != (1, 3, size, size):
        raise BackendError(f"{backend.path} returns shape {tuple(out.shape)} for a (1, 3, {size}, {size}) frame")


class ModelSlot:
    """The backend frames run on now; swapped whole, so a frame in progress keeps the one it started with."""

    def __init__(self, backend: Backend) -> None:
        self._lock = threading.Lock()
        self._backend = backend
        self._generation = 1

    def current(self) -> tuple[Backend, int]:
        with self._lock:
            return self._backend, self._generation

    def swap(self, backend: Backend) -> int:
        with self._lock:
            self._backend = backend
            self._generation += 1
            return self._generation
