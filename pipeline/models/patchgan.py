"""The few-shot trainer's discriminator: a small PatchGAN with instance norm (Texler et al. 2020).

It scores overlapping windows of a patch as "painted by the artist" or "made by the generator"
(least-squares GAN targets 1 and 0), which keeps the generator's brush texture crisp where L1 and
VGG losses alone would blur it. Layout, as in the authors' `DiscriminatorN_IN` with their configs'
12 filters and 2 layers: a 4x4 stride-2 convolution and LeakyReLU(0.2); `layers - 1` more stride-2
convolutions with InstanceNorm, widths doubling (at most 8x); one stride-1 convolution with
InstanceNorm; a 4x4 convolution to one score channel. Training only: it is never exported.
"""

from __future__ import annotations

import torch
from torch import nn


def _block(c_in: int, c_out: int, stride: int, norm: bool, activation: bool) -> nn.Sequential:
    block = nn.Sequential(nn.Conv2d(c_in, c_out, 4, stride=stride, padding=1, bias=True))
    if norm:
        block.append(nn.InstanceNorm2d(c_out))
    if activation:
        block.append(nn.LeakyReLU(0.2))
    return block


class PatchDiscriminator(nn.Module):
    """(N, C, H, W) in [-1, 1] -> (N, 1, h, w) scores; H, W of at least 16 (a 32x32 patch gives 6x6)."""

    def __init__(self, filters: int = 12, layers: int = 2, input_channels: int = 3) -> None:
        super().__init__()
        if filters < 1 or layers < 1:
            raise ValueError(f"the discriminator needs filters >= 1 and layers >= 1, got {filters} and {layers}")
        widths = [filters * min(2**i, 8) for i in range(layers + 1)]
        blocks = [_block(input_channels, widths[0], 2, norm=False, activation=True)]
        blocks += [_block(widths[i - 1], widths[i], 2, norm=True, activation=True) for i in range(1, layers)]
        blocks.append(_block(widths[layers - 1], widths[layers], 1, norm=True, activation=True))
        blocks.append(_block(widths[layers], 1, 1, norm=False, activation=False))
        self.net = nn.Sequential(*blocks)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)
