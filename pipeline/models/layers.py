"""Building blocks of the fast-style TransformerNet (Johnson et al. 2016, as in pytorch/examples).

Every op here exports to ONNX opset 9 as an op Barracuda imports: reflection Pad with attribute
pads, Conv, InstanceNormalization, Relu, Add and a constant-scale nearest Upsample.
Attribute names follow pytorch/examples so that its state_dicts load unchanged.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


class ConvLayer(nn.Module):
    """Reflection padding then a convolution; the padding avoids dark borders in stylized images."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int) -> None:
        super().__init__()
        self.reflection_pad = nn.ReflectionPad2d(kernel_size // 2)
        self.conv2d = nn.Conv2d(in_channels, out_channels, kernel_size, stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv2d(self.reflection_pad(x))


class ResidualBlock(nn.Module):
    """Two 3x3 convolutions with instance norm and an identity skip (He et al. 2015,
    with the layout recommended in http://torch.ch/blog/2016/02/04/resnets.html)."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv1 = ConvLayer(channels, channels, kernel_size=3, stride=1)
        self.in1 = nn.InstanceNorm2d(channels, affine=True)
        self.conv2 = ConvLayer(channels, channels, kernel_size=3, stride=1)
        self.in2 = nn.InstanceNorm2d(channels, affine=True)
        self.relu = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.in1(self.conv1(x)))
        return self.in2(self.conv2(out)) + x


class UpsampleConvLayer(nn.Module):
    """Nearest-neighbour x2 upsampling then a convolution.

    Used instead of a transposed convolution because it avoids checkerboard artefacts
    (https://distill.pub/2016/deconv-checkerboard/), and because an integer-scale nearest
    Upsample is the resize Barracuda handles exactly.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, upsample: int = 2) -> None:
        super().__init__()
        self.upsample = upsample
        self.reflection_pad = nn.ReflectionPad2d(kernel_size // 2)
        self.conv2d = nn.Conv2d(in_channels, out_channels, kernel_size, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.interpolate(x, scale_factor=self.upsample, mode="nearest")
        return self.conv2d(self.reflection_pad(x))
