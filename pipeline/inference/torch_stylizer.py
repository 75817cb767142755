"""Run a stylization network on 8-bit images, honouring its pixel contract.

Images of any size, down to 1x1, are accepted: they are padded up to the contract's size multiple
and to the network's minimum size (TransformerNet's 9x9 reflection pad needs 8x8), and the result
is cropped back, so callers (a minimised Unity window sends 1x1 frames) never trip over
"H and W must be multiples of 4" or "too small".
"""

from __future__ import annotations

import numpy as np
import torch
from torch.nn import functional as F

from pipeline.core.contract import image_to_unit_tensor, unit_tensor_to_image
from pipeline.models import StyleNet


def padded_size(size: int, multiple: int, minimum: int = 1) -> int:
    """The smallest multiple of `multiple` that is at least `size` and `minimum`."""
    needed = max(size, minimum)
    return needed + -needed % multiple


def pad_to_multiple(x: torch.Tensor, multiple: int, minimum: int = 1) -> tuple[torch.Tensor, int, int]:
    """Pad (N, C, H, W) on the bottom and right up to multiples of `multiple`, and to at least `minimum`
    on each side; returns (padded, H, W).

    Each axis is reflected where it is long enough and its edge repeated where it is not (a 1-pixel
    frame has nothing to reflect).
    """
    h, w = x.shape[-2:]
    pad_h, pad_w = padded_size(h, multiple, minimum) - h, padded_size(w, multiple, minimum) - w
    if pad_h:
        x = F.pad(x, (0, 0, 0, pad_h), mode="reflect" if pad_h < h else "replicate")
    if pad_w:
        x = F.pad(x, (0, pad_w, 0, 0), mode="reflect" if pad_w < w else "replicate")
    return x, h, w


class TorchStylizer:
    """A StyleNet ready for inference: eval mode, on a device, optionally fp16 + channels_last."""

    def __init__(self, model: StyleNet, device: torch.device | str = "cpu", half: bool = False) -> None:
        self.device = torch.device(device)
        self.contract = model.contract
        self.min_size = model.min_size
        self.half = half and self.device.type == "cuda"
        self.channels_last = self.device.type == "cuda"
        model = model.eval().to(self.device)
        if self.channels_last:
            model = model.to(memory_format=torch.channels_last)
        self.model = model.half() if self.half else model

    @torch.inference_mode()
    def run_unit(self, unit: torch.Tensor) -> torch.Tensor:
        """(1, 3, H, W) float in [0, 1], any H and W -> the same shape in [0, 1] (clamped)."""
        padded, h, w = pad_to_multiple(unit.to(self.device), self.contract.size_multiple, self.min_size)
        x = self.contract.unit_to_input(padded)
        if self.channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        y = self.model(x.half() if self.half else x).float()
        return self.contract.output_to_unit(y[..., :h, :w]).clamp_(0.0, 1.0)

    def __call__(self, image: np.ndarray) -> np.ndarray:
        """Upright sRGB uint8 (H, W, 3) -> stylized uint8 (H, W, 3)."""
        return unit_tensor_to_image(self.run_unit(image_to_unit_tensor(image)))
