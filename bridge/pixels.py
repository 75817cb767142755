"""Frame payloads <-> arrays <-> the unit tensors models run on.

A frame arrives in the engine's layout (RGBA32 or RGB24, possibly bottom-up, possibly linear-light
bytes). Every model contract fixes upright sRGB RGB, so pre-processing flips, drops alpha and
re-encodes as needed, and post-processing undoes exactly that: a RESULT comes back in the layout
its FRAME had, with the FRAME's alpha channel.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from bridge.protocol import BYTES_PER_PIXEL, ColorEncoding, Header, PixelFormat, RowOrder
from pipeline.core.contract import image_to_unit_tensor, linear_to_srgb, srgb_to_linear, unit_tensor_to_image

CHANNELS_TO_FORMAT = {4: PixelFormat.RGBA32, 3: PixelFormat.RGB24}


def payload_array(header: Header, payload: Any) -> np.ndarray:
    """A read-only (H, W, C) uint8 view of one image payload (any bytes-like object), rows in the order sent."""
    channels = BYTES_PER_PIXEL[header.pixel_format]
    return np.frombuffer(payload, dtype=np.uint8).reshape(header.height, header.width, channels)


def pixel_format_of(array: np.ndarray) -> PixelFormat:
    """The wire format of an (H, W, 3|4) uint8 array."""
    if array.dtype != np.uint8 or array.ndim != 3 or array.shape[2] not in CHANNELS_TO_FORMAT:
        raise ValueError(f"frames are (H, W, 3) or (H, W, 4) uint8 arrays, got {array.dtype} {array.shape}")
    return CHANNELS_TO_FORMAT[array.shape[2]]


def _upright_rgb(pixels: np.ndarray, header: Header) -> np.ndarray:
    """A contiguous, writable (H, W, 3) copy with row 0 at the top (one pass: flip and drop alpha)."""
    rows = pixels[::-1] if header.row_order == RowOrder.BOTTOM_UP else pixels
    return rows[:, :, :3].copy()


def frame_to_unit(pixels: np.ndarray, header: Header, device: torch.device | str = "cpu") -> torch.Tensor:
    """A frame in its wire layout -> (1, 3, H, W) float32 in [0, 1], upright and sRGB-encoded."""
    unit = image_to_unit_tensor(_upright_rgb(pixels, header), device)
    if header.color_encoding == ColorEncoding.LINEAR:
        unit = torch.from_numpy(linear_to_srgb(unit.cpu().numpy())).to(device)
    return unit


def unit_to_frame(unit: torch.Tensor, header: Header, source: np.ndarray) -> np.ndarray:
    """(1, 3, H, W) upright sRGB in [0, 1] -> an array in `header`'s layout, with `source`'s alpha."""
    if header.color_encoding == ColorEncoding.LINEAR:
        unit = torch.from_numpy(srgb_to_linear(unit.detach().float().cpu().numpy()))
    rgb = unit_tensor_to_image(unit)
    if header.row_order == RowOrder.BOTTOM_UP:
        rgb = rgb[::-1]
    if header.pixel_format == PixelFormat.RGB24:
        return np.ascontiguousarray(rgb)
    out = np.empty((*rgb.shape[:2], 4), dtype=np.uint8)
    out[:, :, :3] = rgb
    out[:, :, 3] = source[:, :, 3]
    return out


def frame_to_image(pixels: np.ndarray, header: Header) -> np.ndarray:
    """A frame in its wire layout -> an upright sRGB uint8 RGB image (H, W, 3), as PNG files hold."""
    if header.color_encoding == ColorEncoding.LINEAR:
        return unit_tensor_to_image(frame_to_unit(pixels, header))
    return _upright_rgb(pixels, header)
