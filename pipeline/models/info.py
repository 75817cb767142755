"""Size and cost of a network: parameters, megabytes, multiply-adds at a resolution.

Multiply-adds are counted on the meta device (shapes only, no arithmetic), so asking about the
13 MB few-shot generator at 1920x1080 costs nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from pipeline.core.contract import PixelContract
from pipeline.models import StyleNet, build_architecture


@dataclass(frozen=True)
class ModelInfo:
    name: str
    architecture: str
    config: dict[str, Any]
    contract: PixelContract
    parameters: int
    size_mb: float  # fp32 weights, 1 MB = 10^6 bytes
    width: int
    height: int
    macs: int  # multiply-adds of one forward pass at width x height

    def describe(self) -> str:
        return "\n".join(
            [
                f"model          {self.name} ({self.architecture})",
                f"config         {self.config}",
                f"parameters     {self.parameters:,}",
                f"size           {self.size_mb:.2f} MB (fp32)",
                macs_line(self.macs, self.width, self.height),
                *contract_lines(self.contract),
            ]
        )


def macs_line(macs: int, width: int, height: int) -> str:
    return f"multiply-adds  {macs / 1e9:.2f} G at {width}x{height} (WxH)"


def contract_lines(c: PixelContract) -> list[str]:
    """The pixel contract as `info` prints it (for checkpoints, presets and exported models alike)."""
    return [
        f"input          {c.channels} {c.layout}, range {c.input_range} "
        f"(= [0,1] x {c.input_scale:g} + {c.input_bias:g})",
        f"output         range {c.output_range} (= [0,1] x {c.output_scale:g} + {c.output_bias:g})",
        f"pixels         row 0 = {c.row_origin} of the image, {c.color_encoding}-encoded values",
        f"size multiple  H and W must be multiples of {c.size_multiple}",
    ]


def count_macs(model: StyleNet, width: int, height: int) -> int:
    """Multiply-adds of convolutions (and any linear layers) for one (1, 3, height, width) input."""
    meta = build_architecture(model.architecture, model.config()).to("meta")
    total = 0

    def conv_hook(module: nn.Module, _inputs: Any, output: torch.Tensor) -> None:
        nonlocal total
        if isinstance(module, nn.Conv2d):
            per_output = module.in_channels // module.groups * module.kernel_size[0] * module.kernel_size[1]
            total += output.numel() * per_output
        elif isinstance(module, nn.Linear):
            total += output.numel() * module.in_features

    counted = [m for m in meta.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    handles = [m.register_forward_hook(conv_hook) for m in counted]
    try:
        with torch.no_grad():
            meta(torch.empty(1, 3, height, width, device="meta"))
    finally:
        for handle in handles:
            handle.remove()
    return total


def model_info(model: StyleNet, name: str, width: int = 960, height: int = 540) -> ModelInfo:
    model.contract.check_size(height, width)
    parameters = sum(p.numel() for p in model.parameters())
    return ModelInfo(
        name=name,
        architecture=model.architecture,
        config=model.config(),
        contract=model.contract,
        parameters=parameters,
        size_mb=parameters * 4 / 1e6,
        width=width,
        height=height,
        macs=count_macs(model, width, height),
    )
