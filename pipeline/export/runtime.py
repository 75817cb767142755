"""ONNX Runtime sessions for exported models, and a stylizer built on one.

`onnxruntime-gpu` lists the CUDA and TensorRT providers on every machine, GPU or not, and asking
for them where the driver is missing prints a screen of C++ errors before falling back to the
CPU. So providers are chosen by first checking that their native libraries actually load, and the
providers a session really got are reported back instead of the ones that were asked for.
"""

from __future__ import annotations

import ctypes
import json
import logging
from functools import cache
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import torch

from pipeline.core.contract import METADATA_PREFIX, PixelContract, image_to_unit_tensor, unit_tensor_to_image
from pipeline.core.errors import StylebridgeError
from pipeline.inference.torch_stylizer import pad_to_multiple

log = logging.getLogger(__name__)

# provider -> a native library that must load for it to work
_PROVIDER_LIBRARIES = {
    "TensorrtExecutionProvider": ("libnvinfer.so.10", "libnvinfer.so.8", "libnvinfer.so"),
    "CUDAExecutionProvider": ("libcuda.so.1", "libcuda.so"),
}


class OnnxModelError(StylebridgeError, ValueError):
    """An .onnx file that cannot be loaded or run."""


def _loads(names: tuple[str, ...]) -> bool:
    for name in names:
        try:
            ctypes.CDLL(name)
            return True
        except OSError:
            continue
    return False


@cache
def usable_providers(device: str = "auto") -> tuple[str, ...]:
    """Execution providers worth asking for on this machine, best first; CPU is always last.

    device: 'auto' (GPU providers whose libraries load), 'cuda' (the same, but fail without one) or 'cpu'.
    """
    if device not in ("auto", "cuda", "cpu"):
        raise ValueError(f"unknown device {device!r}; use auto, cuda or cpu")
    gpu: list[str] = []
    if device != "cpu":
        available = ort.get_available_providers()
        gpu = [p for p, libs in _PROVIDER_LIBRARIES.items() if p in available and _loads(libs)]
    if device == "cuda" and not gpu:
        raise OnnxModelError(
            "--device cuda was asked for, but ONNX Runtime has no working CUDA provider here "
            "(install onnxruntime-gpu and an NVIDIA driver, or use --device cpu)"
        )
    return (*gpu, "CPUExecutionProvider")


def create_session(path: str | Path, device: str = "auto") -> ort.InferenceSession:
    """An inference session on the best provider that really works; logs which one it got.

    A GPU provider whose driver loads can still fail to start (cuDNN or cuBLAS missing); ONNX
    Runtime then prints its own errors and falls back. Those are silenced while the session is
    created, and the fallback is reported here once, in one line.
    """
    options = ort.SessionOptions()
    options.log_severity_level = 3  # errors only
    wanted = list(usable_providers(device))
    ort.set_default_logger_severity(4 if len(wanted) > 1 else 3)  # 4: fatal only, while GPU providers are tried
    try:
        session = ort.InferenceSession(str(path), sess_options=options, providers=wanted)
    except Exception as exc:  # onnxruntime raises its own exception types, not exported uniformly
        raise OnnxModelError(f"ONNX Runtime cannot load {path}: {exc}") from exc
    finally:
        ort.set_default_logger_severity(3)
    got = session.get_providers()
    failed = [p for p in wanted if p not in got]
    if failed and device == "cuda" and not any(p in got for p in _PROVIDER_LIBRARIES):
        raise OnnxModelError(
            f"--device cuda was asked for, but ONNX Runtime could not start {', '.join(failed)} (are the CUDA "
            "and cuDNN libraries onnxruntime-gpu needs installed?); use --device cpu"
        )
    if failed:
        log.warning("ONNX Runtime could not start %s (CUDA or cuDNN libraries missing?)", ", ".join(failed))
    log.info("ONNX Runtime session for %s on %s", Path(path).name, ", ".join(got))
    return session


def read_contract(path: str | Path) -> PixelContract:
    """The pixel contract of an .onnx graph's own input and output, from its metadata or sidecar.

    For a model exported with `--io unit` that is [0, 1] in and out; with `--io raw`, the network's
    own ranges. Files we did not write can be described by a sidecar JSON (`model.json`) beside them.
    """
    path = Path(path)
    try:
        model = onnx.load(str(path), load_external_data=False)
    except Exception as exc:  # onnx raises DecodeError, OSError, ... for files that are not models
        raise OnnxModelError(f"{path} is not a readable ONNX model ({exc}); re-export it") from exc
    return contract_from_model(model, sidecar_path(path))


def sidecar_path(model_path: str | Path) -> Path:
    """The sidecar JSON beside an .onnx file: `model.onnx` -> `model.json`."""
    return Path(model_path).with_suffix(".json")


def contract_from_model(model: onnx.ModelProto, sidecar: Path) -> PixelContract:
    """The contract in `model`'s metadata_props, else the one in the `sidecar` JSON (key "contract")."""
    metadata = {p.key: p.value for p in model.metadata_props}
    if any(key.startswith(METADATA_PREFIX) for key in metadata):
        return PixelContract.from_metadata(metadata)
    if sidecar.exists():
        try:
            return PixelContract.from_dict(json.loads(sidecar.read_text())["contract"])
        except (ValueError, KeyError, TypeError) as exc:  # JSONDecodeError is a ValueError
            raise OnnxModelError(f"{sidecar} holds no readable pixel contract ({exc}); fix or delete it") from exc
    raise OnnxModelError(
        f"{sidecar.with_suffix('.onnx').name} carries no pixel contract "
        f"(no {METADATA_PREFIX}* metadata and no {sidecar.name}); "
        "export it with `stylebridge export`, or write a sidecar JSON describing its input and output ranges"
    )


class OnnxStylizer:
    """An exported model run by ONNX Runtime, with the same interface as `TorchStylizer`."""

    def __init__(self, path: str | Path, device: str = "auto") -> None:
        self.path = Path(path)
        self.contract = read_contract(self.path)
        self.session = create_session(self.path, device)
        self.input_name = self.session.get_inputs()[0].name
        self.output_name = self.session.get_outputs()[0].name
        self.providers = tuple(self.session.get_providers())
        shape = self.session.get_inputs()[0].shape
        height, width = shape[2:4] if len(shape) == 4 else (None, None)
        self.static_size = (width, height) if isinstance(width, int) and isinstance(height, int) else None

    def run_unit(self, unit: torch.Tensor) -> torch.Tensor:
        """(1, 3, H, W) float in [0, 1] -> the same shape in [0, 1] (clamped), on the CPU."""
        padded, h, w = pad_to_multiple(unit.detach().float().cpu(), self.contract.size_multiple)
        if self.static_size is not None and self.static_size != (padded.shape[3], padded.shape[2]):
            raise OnnxModelError(
                f"{self.path.name} takes only {self.static_size[0]}x{self.static_size[1]} (WxH) inputs, got {w}x{h}; "
                "resize the images, or export the model without --static"
            )
        x = self.contract.unit_to_input(padded).numpy()
        (y,) = self.session.run([self.output_name], {self.input_name: np.ascontiguousarray(x, dtype=np.float32)})
        return self.contract.output_to_unit(torch.from_numpy(y)[..., :h, :w]).clamp_(0.0, 1.0)

    def __call__(self, image: np.ndarray) -> np.ndarray:
        """Upright sRGB uint8 (H, W, 3) -> stylized uint8 (H, W, 3)."""
        return unit_tensor_to_image(self.run_unit(image_to_unit_tensor(image)))
