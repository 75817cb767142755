"""The few-shot patch-based video stylization generator (Texler et al., SIGGRAPH 2020).

An encoder-decoder with BatchNorm and LeakyReLU, residual blocks at 1/4 resolution, and
concatenation skips: each decoder stage sees the matching encoder output, and the last 7x7
convolution also sees the raw input frame. Optional "smoother" convolutions and a 1x1
convolution with tanh finish it. Inputs and outputs are RGB in [-1, 1]; H and W must be multiples
of 4 so the skip tensors line up. Like the original, the input may carry guide images' channels
after the RGB frame (`input_channels` = 3 + 3 per guide); the output is always RGB.

Attribute names match the authors' ``GeneratorJ`` so its state_dicts load unchanged. Unlike the
original, ``conv2`` runs once per forward (the original computed it twice).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from pipeline.core.contract import PixelContract
from pipeline.models.base import StyleNet


def _conv_norm_act(c_in: int, c_out: int, size: int, stride: int, bias: bool) -> nn.Sequential:
    block = nn.Sequential()
    block.add_module("conv", nn.Conv2d(c_in, c_out, size, stride=stride, padding=size // 2, bias=bias))
    block.add_module("normalization", nn.BatchNorm2d(c_out))
    block.add_module("nonlinearity", nn.LeakyReLU(0.2))
    return block


def _resnet_block(channels: int, bias: bool) -> nn.Sequential:
    block = nn.Sequential()
    block.add_module("nonlinearity_0", nn.ReLU())
    block.add_module("conv_0", nn.Conv2d(channels, channels, 3, padding=1, bias=bias))
    block.add_module("normalization", nn.BatchNorm2d(channels))
    block.add_module("nonlinearity_1", nn.ReLU())
    block.add_module("conv_1", nn.Conv2d(channels, channels, 3, padding=1, bias=bias))
    return block


def _upsample_conv(c_in: int, c_out: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Upsample(scale_factor=2, mode="nearest"),
        nn.Conv2d(c_in, c_out, 3, 1, 1, bias=False),
        nn.BatchNorm2d(c_out),
        nn.ReLU(),
    )


class FewShotGenerator(StyleNet):
    architecture = "fewshot_generator"
    trainer = "fewshot"
    contract = PixelContract(input_range="-1_1", output_range="-1_1", size_multiple=4)
    min_size = 4  # zero padding: any multiple of 4 works

    def __init__(
        self,
        filters: Sequence[int] = (32, 64, 128, 128, 128, 64),
        resnet_blocks: int = 7,
        use_bias: bool = True,
        append_smoothers: bool = True,
        tanh: bool = True,
        input_channels: int = 3,
    ) -> None:
        super().__init__()
        if len(filters) != 6 or min(filters) < 1:
            raise ValueError(f"the few-shot generator takes 6 positive filter counts, got {list(filters)}")
        if filters[3] != filters[2]:
            raise ValueError(
                f"filters[3] must equal filters[2] (the first decoder stage concatenates two "
                f"filters[2]-channel tensors), got {list(filters)}"
            )
        if resnet_blocks < 0:
            raise ValueError(f"resnet_blocks must be >= 0, got {resnet_blocks}")
        if input_channels < 3:
            raise ValueError(f"input_channels must be at least 3 (RGB), got {input_channels}")
        # RGB generators keep the config they always had; only guided ones name their channels.
        guides = {} if input_channels == 3 else {"input_channels": input_channels}
        self._remember_config(
            filters=tuple(filters),
            resnet_blocks=resnet_blocks,
            use_bias=use_bias,
            append_smoothers=append_smoothers,
            tanh=tanh,
            **guides,
        )
        f = filters
        self.input_channels = input_channels
        self.append_smoothers = append_smoothers
        self.conv0 = _conv_norm_act(input_channels, f[0], 7, 1, use_bias)
        self.conv1 = _conv_norm_act(f[0], f[1], 3, 2, use_bias)
        self.conv2 = _conv_norm_act(f[1], f[2], 3, 2, use_bias)
        self.resnets = nn.ModuleList(_resnet_block(f[2], use_bias) for _ in range(resnet_blocks))
        self.upconv2 = _upsample_conv(f[3] + f[2], f[4])
        self.upconv1 = _upsample_conv(f[4] + f[1], f[4])
        self.conv_11 = nn.Sequential(nn.Conv2d(f[0] + f[4] + input_channels, f[5], 7, 1, 3, bias=use_bias), nn.ReLU())
        if append_smoothers:
            self.conv_11_a = nn.Sequential(
                nn.Conv2d(f[5], f[5], 3, padding=1, bias=use_bias),
                nn.ReLU(),
                nn.BatchNorm2d(f[5]),
                nn.Conv2d(f[5], f[5], 3, padding=1, bias=use_bias),
                nn.ReLU(),
            )
        head = nn.Conv2d(f[5], 3, 1, 1, 0, bias=True)
        self.conv_12: nn.Module = nn.Sequential(head, nn.Tanh()) if tanh else head

    def transform(self, x: torch.Tensor) -> torch.Tensor:
        # x: (N, input_channels, H, W) in [-1, 1]
        out0 = self.conv0(x)  # (N, f0, H, W)
        out1 = self.conv1(out0)  # (N, f1, H/2, W/2)
        out2 = self.conv2(out1)  # (N, f2, H/4, W/4)
        y = out2
        for block in self.resnets:
            y = block(y) + y
        y = self.upconv2(torch.cat((y, out2), dim=1))  # (N, f4, H/2, W/2)
        y = self.upconv1(torch.cat((y, out1), dim=1))  # (N, f4, H, W)
        y = self.conv_11(torch.cat((y, out0, x), dim=1))  # (N, f5, H, W)
        if self.append_smoothers:
            y = self.conv_11_a(y)
        return self.conv_12(y)  # (N, 3, H, W) in [-1, 1] with tanh
