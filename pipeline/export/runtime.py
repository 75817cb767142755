"""ONNX Runtime sessions for exported models, and the pixel contract an .onnx carries.

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

import onnx
import onnxruntime as ort

from pipeline.core.contract import METADATA_PREFIX, PixelContract
from pipeline.core.errors import StylebridgeError
from pipeline.models import ARCHITECTURES

log = logging.getLogger(__name__)

# provider -> a native library that must load for it to work
_PROVIDER_LIBRARIES = {
    "TensorrtExecutionProvider": ("libnvinfer.so.10", "libnvinfer.so.8", "libnvinfer.so"),
    "CUDAExecutionProvider": ("libcuda.so.1", "libcuda.so"),
}


REEXPORT_HINT = "export it with `stylebridge export`"


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


def create_session(model: str | Path | bytes, device: str = "auto", name: str | None = None) -> ort.InferenceSession:
    """An inference session on the best provider that really works; logs which one it got.

    `model` is an .onnx path or a serialized model (an exporter's graph before it is written);
    `name` is what the log calls it.

    A GPU provider whose driver loads can still fail to start (cuDNN or cuBLAS missing); ONNX
    Runtime then prints its own errors and falls back. Those are silenced while the session is
    created, and the fallback is reported here once, in one line.
    """
    options = ort.SessionOptions()
    options.log_severity_level = 3  # errors only
    wanted = list(usable_providers(device))
    ort.set_default_logger_severity(4 if len(wanted) > 1 else 3)  # 4: fatal only, while GPU providers are tried
    try:
        source = model if isinstance(model, bytes) else str(model)
        session = ort.InferenceSession(source, sess_options=options, providers=wanted)
    except Exception as exc:  # onnxruntime raises its own exception types, not exported uniformly
        raise OnnxModelError(f"ONNX Runtime cannot load {name or model}: {exc}") from exc
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
    label = name or (Path(model).name if not isinstance(model, bytes) else "the model")
    log.info("ONNX Runtime session for %s on %s", label, ", ".join(got))
    return session


def load_onnx(path: str | Path) -> onnx.ModelProto:
    """An .onnx file's graph (weights stored outside it are not read), or an OnnxModelError saying why not."""
    try:
        return onnx.load(str(path), load_external_data=False)
    except Exception as exc:  # onnx raises DecodeError, OSError, ... for files that are not models
        raise OnnxModelError(f"{path} is not a readable ONNX model ({exc}); re-export it") from exc


def read_contract(path: str | Path) -> PixelContract:
    """The pixel contract of an .onnx graph's own input and output, from its metadata or sidecar.

    For a model exported with `--io unit` that is [0, 1] in and out; with `--io raw`, the network's
    own ranges. Files we did not write can be described by a sidecar JSON (`model.json`) beside them.
    """
    return contract_from_model(load_onnx(path), sidecar_path(path))


def min_input_size(model: onnx.ModelProto, sidecar: Path | None) -> int:
    """The smallest H and W the exported network runs on (its padding layers need room), from the
    architecture its metadata or sidecar names; 1 for a network we do not know."""
    metadata = {p.key: p.value for p in model.metadata_props}
    architecture = metadata.get(f"{METADATA_PREFIX}architecture")
    if architecture is None and sidecar is not None and sidecar.is_file():
        try:
            architecture = json.loads(sidecar.read_text()).get("architecture")
        except (ValueError, AttributeError):  # an unreadable sidecar is reported by the contract's reader
            architecture = None
    known = ARCHITECTURES.get(architecture) if isinstance(architecture, str) else None
    return known.min_size if known is not None else 1


def sidecar_path(model_path: str | Path) -> Path:
    """The sidecar JSON beside an .onnx file: `model.onnx` -> `model.json`."""
    return Path(model_path).with_suffix(".json")


def contract_from_model(model: onnx.ModelProto, sidecar: Path | None) -> PixelContract:
    """The contract in `model`'s metadata_props, else the one in the `sidecar` JSON (key "contract").

    `sidecar` is None for a model that exists only in memory (an export being checked before it is written).
    """
    metadata = {p.key: p.value for p in model.metadata_props}
    if any(key.startswith(METADATA_PREFIX) for key in metadata):
        return PixelContract.from_metadata(metadata)
    if sidecar is None:
        raise OnnxModelError(f"the model carries no pixel contract (no {METADATA_PREFIX}* metadata); {REEXPORT_HINT}")
    if sidecar.exists():
        try:
            return PixelContract.from_dict(json.loads(sidecar.read_text())["contract"])
        except (ValueError, KeyError, TypeError) as exc:  # JSONDecodeError is a ValueError
            raise OnnxModelError(f"{sidecar} holds no readable pixel contract ({exc}); fix or delete it") from exc
    raise OnnxModelError(
        f"{sidecar.with_suffix('.onnx').name} carries no pixel contract "
        f"(no {METADATA_PREFIX}* metadata and no {sidecar.name}); "
        f"{REEXPORT_HINT}, or write a sidecar JSON describing its input and output ranges"
    )
