"""What the engine does to pixels on the way into and out of a model, faults included, in torch.

The correct path is Barracuda's with the model's contract honoured: `new Tensor(texture, flipY:
true, scale, bias, channels: 3)` turns an sRGB texture into an upright [0, 1] tensor scaled to the
model's input range (Barracuda tensors are NHWC; the emulator keeps PyTorch's NCHW, which holds
the same numbers), the frame is padded to the size multiple by reflection, and
`ToRenderTexture(rt, 0, 0, scale, bias)` maps the output back to [0, 1], clamped into an 8-bit
target. With default `EngineSettings` the result is exactly PyTorch's (`TorchStylizer`'s) output.
Each field of `EngineSettings` swaps one step for a way users get it wrong (see `faults.KINDS`).

Frames are (N, 3, H, W) float32 tensors in [0, 1], upright and sRGB-encoded; results are uint8
tensors of the same layout, as the engine's 8-bit output holds them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch.nn import functional as F

from pipeline.core.contract import (
    PixelContract,
    from_range,
    image_to_unit_tensor,
    linear_to_srgb,
    srgb_to_linear,
    to_range,
)
from pipeline.diagnosis.faults import EngineSettings
from pipeline.diagnosis.graphs import Graph
from pipeline.inference.torch_stylizer import pad_to_multiple


@dataclass(frozen=True)
class Fit:
    """How a frame of `frame` (H, W) became a model input of `model` (H, W), so the output can be fitted back."""

    kind: str
    frame: tuple[int, int]
    model: tuple[int, int]


def _encode(x: torch.Tensor, encoding: str) -> torch.Tensor:
    if encoding == "srgb":
        return x
    values = x.detach().clamp(min=0.0).cpu().numpy()  # (linear_to_srgb clips at 1 itself)
    curve = srgb_to_linear if encoding == "linear" else linear_to_srgb
    return torch.from_numpy(curve(values)).to(x.device)


def _rgba_read_as_rgb(x: torch.Tensor) -> torch.Tensor:
    """An opaque RGBA buffer (4 values a pixel) read as 3 values a pixel: the first H*W*3 values, in order."""
    n, _, h, w = x.shape
    rgba = torch.cat([x, torch.ones_like(x[:, :1])], dim=1).permute(0, 2, 3, 1).reshape(n, -1)
    return rgba[:, : h * w * 3].reshape(n, h, w, 3).permute(0, 3, 1, 2).contiguous()


def _resize(x: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Bilinear resampling to (H, W), as a GPU blit samples (no antialiasing)."""
    if tuple(x.shape[-2:]) == size:
        return x
    return F.interpolate(x, size=size, mode="bilinear", align_corners=False)


def engine_input(frame: torch.Tensor, settings: EngineSettings, contract: PixelContract) -> tuple[torch.Tensor, Fit]:
    """Frames -> the tensor the model receives (in the range the engine built it in), and how it was fitted."""
    x = frame
    if settings.input_channels == "rgba":
        x = _rgba_read_as_rgb(x)
    elif settings.input_channels == "average":
        x = x.mean(dim=1, keepdim=True).expand_as(x)
    x = _encode(x, settings.input_encoding)
    if settings.input_bgr:
        x = x.flip(1)
    if settings.input_flip:
        x = x.flip(2)
    h, w = x.shape[-2:]
    kind, m = settings.fit[0], contract.size_multiple
    if kind == "pad":
        x = pad_to_multiple(x, m)[0]
    elif kind == "zero_pad":
        x = F.pad(x, (0, -w % m, 0, -h % m))
    elif kind == "crop":
        step = settings.fit[1]
        x = x[..., : h - h % step, : w - w % step]
    elif kind == "stretch":
        x = _resize(x, (settings.fit[2], settings.fit[1]))
    else:
        raise ValueError(f"unknown fit {settings.fit!r}")
    return to_range(x, settings.fed_range or contract.input_range), Fit(kind, (h, w), tuple(x.shape[-2:]))


def engine_output(
    y: torch.Tensor,
    settings: EngineSettings,
    contract: PixelContract,
    fit: Fit,
    display: tuple[int, int] | None = None,
) -> torch.Tensor:
    """The model's output -> the engine's picture (N, 3, H, W) as floats, before 8 bits (`quantize`),
    at `display` (H, W) if given."""
    x = from_range(y.float(), settings.read_range or contract.output_range)
    # a padded frame is cropped back; a cropped or stretched one is stretched back over the screen
    x = x[..., : fit.frame[0], : fit.frame[1]] if fit.kind in ("pad", "zero_pad") else _resize(x, fit.frame)
    if settings.output_flip:
        x = x.flip(2)
    if settings.output_bgr:
        x = x.flip(1)
    x = _encode(x, settings.output_encoding)
    if display is not None:
        x = _resize(x, display)
    return x


def quantize(unit: torch.Tensor, clamp: bool = True) -> torch.Tensor:
    """[0, 1] floats -> uint8 (round half to even). Unclamped values wrap around, as a C# (byte) cast does;
    NaN becomes 0 and infinities the nearest end."""
    x = unit if bool(torch.isfinite(unit).all()) else torch.nan_to_num(unit, nan=0.0, posinf=1.0, neginf=0.0)
    if clamp:
        return x.clamp(0.0, 1.0).mul_(255.0).round_().to(torch.uint8)
    levels = x.clamp(-1e6, 1e6).mul(255.0).round().to(torch.int64)
    return torch.remainder(levels, 256).to(torch.uint8)


def to_image(picture: torch.Tensor) -> np.ndarray:
    """One (1, 3, H, W) or (3, H, W) uint8 tensor -> (H, W, 3) uint8 numpy."""
    return picture.reshape(3, *picture.shape[-2:]).permute(1, 2, 0).cpu().numpy()


def emulate(
    graph: Graph,
    image: np.ndarray,
    settings: EngineSettings | None = None,
    display: tuple[int, int] | None = None,
) -> np.ndarray:
    """What the engine shows for an upright sRGB uint8 frame (H, W, 3) under `settings` (default: correct),
    as uint8 (H, W, 3), resized to `display` (H, W) if given."""
    settings = settings or EngineSettings()
    x, fit = engine_input(image_to_unit_tensor(image, graph.device), settings, graph.contract)
    y = graph.run(x, half=settings.half)
    return to_image(quantize(engine_output(y, settings, graph.contract, fit, display), settings.clamp))
