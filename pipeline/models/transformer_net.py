"""TransformerNet, the fast neural style generator (Johnson et al. 2016), in two variants.

* ``examples``: pytorch/examples' fast_neural_style network. Residual blocks are attributes
  ``res1..resN``; no skips beyond the blocks' own.
* ``tutorial``: the network of the original Unity workflow's training notebook. Residual blocks
  live in a ``resnets`` list; each block's output gets an extra ``+ y`` and the encoder outputs
  are added back before each decoder stage (U-Net-like additive skips).

Both have the same parameters for the same widths (the skips are parameter-free), take and
return RGB in [0, 255], and need H and W to be multiples of 4 (two stride-2 stages). ``tutorial`` is
the default everywhere (presets, `info`, `train fast`); checkpoints always name their variant.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from pipeline.core.contract import PixelContract
from pipeline.models.base import StyleNet
from pipeline.models.layers import ConvLayer, ResidualBlock, UpsampleConvLayer

VARIANTS = ("examples", "tutorial")


class TransformerNet(StyleNet):
    architecture = "transformer_net"
    trainer = "fast"
    contract = PixelContract(input_range="0_255", output_range="0_255", size_multiple=4)
    min_size = 8  # the 9x9 reflection pad needs more than 4 pixels per side

    def __init__(self, filters: Sequence[int] = (32, 64, 128), res_blocks: int = 5, variant: str = "tutorial") -> None:
        super().__init__()
        if variant not in VARIANTS:
            raise ValueError(f"unknown TransformerNet variant {variant!r}; use one of {', '.join(VARIANTS)}")
        if len(filters) != 3 or min(filters) < 1:
            raise ValueError(f"TransformerNet takes 3 positive filter counts, got {list(filters)}")
        if res_blocks < 1:
            raise ValueError(f"TransformerNet needs at least one residual block, got {res_blocks}")
        self._remember_config(filters=tuple(filters), res_blocks=res_blocks, variant=variant)
        self.variant = variant
        f0, f1, f2 = filters
        self.conv1 = ConvLayer(3, f0, kernel_size=9, stride=1)
        self.in1 = nn.InstanceNorm2d(f0, affine=True)
        self.conv2 = ConvLayer(f0, f1, kernel_size=3, stride=2)
        self.in2 = nn.InstanceNorm2d(f1, affine=True)
        self.conv3 = ConvLayer(f1, f2, kernel_size=3, stride=2)
        self.in3 = nn.InstanceNorm2d(f2, affine=True)
        blocks = [ResidualBlock(f2) for _ in range(res_blocks)]
        if variant == "tutorial":
            self.resnets = nn.ModuleList(blocks)
        else:
            for i, block in enumerate(blocks, start=1):
                self.add_module(f"res{i}", block)
        self._blocks = blocks  # same modules, in order, whatever their attribute names
        self.deconv1 = UpsampleConvLayer(f2, f1, kernel_size=3)
        self.in4 = nn.InstanceNorm2d(f1, affine=True)
        self.deconv2 = UpsampleConvLayer(f1, f0, kernel_size=3)
        self.in5 = nn.InstanceNorm2d(f0, affine=True)
        self.deconv3 = ConvLayer(f0, 3, kernel_size=9, stride=1)
        self.relu = nn.ReLU()

    def transform(self, x: torch.Tensor) -> torch.Tensor:
        # x: (N, 3, H, W) in [0, 255]
        c1 = self.relu(self.in1(self.conv1(x)))  # (N, f0, H, W)
        c2 = self.relu(self.in2(self.conv2(c1)))  # (N, f1, H/2, W/2)
        c3 = self.relu(self.in3(self.conv3(c2)))  # (N, f2, H/4, W/4)
        y = c3
        if self.variant == "tutorial":
            for block in self._blocks:
                y = block(y) + y
            y = self.relu(self.in4(self.deconv1(c3 + y)))
            y = self.relu(self.in5(self.deconv2(c2 + y)))
            return self.deconv3(c1 + y)
        for block in self._blocks:
            y = block(y)
        y = self.relu(self.in4(self.deconv1(y)))
        y = self.relu(self.in5(self.deconv2(y)))
        return self.deconv3(y)  # (N, 3, H, W), roughly [0, 255], unclamped
