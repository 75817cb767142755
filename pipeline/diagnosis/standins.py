"""Stand-ins for trained models, for the fault table and the tests (no weights can be downloaded here).

A randomly initialised TransformerNet outputs a nearly constant picture, which would hide most
faults. A stand-in is a real network of either family with random hidden layers whose last
convolution is fitted by least squares so that the network turns a frame into a colour-graded,
textured version of it: it mixes the channels, depends on position and colour, and fills the
output range, as a trained stylization model does. It runs, exports and deploys like any checkpoint.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from pipeline.core.contract import image_to_unit_tensor
from pipeline.core.synthetic import game_frame
from pipeline.models import StyleNet, create_model
from pipeline.models.fewshot import FewShotGenerator
from pipeline.models.transformer_net import TransformerNet

# the "style": a warm colour grade that mixes channels (rows: output R, G, B from input R, G, B)
GRADE = np.array([[0.75, 0.35, -0.1], [0.15, 0.7, 0.1], [-0.15, 0.25, 0.65]], np.float32)
GRADE_BIAS = np.array([0.06, 0.0, 0.05], np.float32)
HALF_MAX = 65504.0  # the largest float16


OVERSHOOT = 0.1  # trained TransformerNets overshoot [0, 255] a little (pytorch/examples clamps their output)


def graded(unit: torch.Tensor) -> torch.Tensor:
    """The target look for (N, 3, H, W) frames in [0, 1]: channel mix, bias, a contrast curve that overshoots."""
    mixed = torch.einsum("oc,nchw->nohw", torch.from_numpy(GRADE), unit) + torch.from_numpy(GRADE_BIAS)[:, None, None]
    curve = 0.5 - 0.5 * torch.cos(torch.pi * mixed.clamp(0, 1))
    return curve * (1 + 2 * OVERSHOOT) - OVERSHOOT


def _last_conv(model: StyleNet) -> tuple[nn.Conv2d, bool]:
    """The output convolution, and whether a tanh follows it."""
    if isinstance(model, TransformerNet):
        return model.deconv3.conv2d, False
    if isinstance(model, FewShotGenerator):
        head = model.conv_12[0] if isinstance(model.conv_12, nn.Sequential) else model.conv_12
        return head, isinstance(model.conv_12, nn.Sequential)
    raise TypeError(f"no stand-in recipe for {type(model).__name__}")


def standin_model(preset: str = "tiny", seed: int = 0, frames: int = 3, size: tuple[int, int] = (96, 64)) -> StyleNet:
    """A `preset` network whose output layer is fitted to `graded` on a few generated frames of `size` (W, H)."""
    torch.manual_seed(seed)
    model = create_model(preset).eval()
    with torch.no_grad():
        for parameter in model.parameters():
            if parameter.ndim == 1:  # norm weights and biases moved as in training
                parameter.add_(torch.randn_like(parameter) * 0.1)
        for module in model.modules():
            if isinstance(module, nn.BatchNorm2d):
                module.running_mean.normal_(0, 0.1)
                module.running_var.uniform_(0.5, 1.5)
    rng = np.random.default_rng(seed)
    unit = torch.cat([image_to_unit_tensor(game_frame(rng, *size)) for _ in range(frames)])
    conv, tanh = _last_conv(model)
    seen: list[torch.Tensor] = []
    handle = conv.register_forward_pre_hook(lambda _m, args: seen.append(args[0].detach()))
    with torch.no_grad():
        model(model.contract.unit_to_input(unit))
    handle.remove()
    target = model.contract.unit_to_input(graded(unit))
    if tanh:
        target = torch.atanh(target.clamp(-0.97, 0.97))
    _fit_conv(conv, seen[0], target)
    return model


def _fit_conv(conv: nn.Conv2d, inputs: torch.Tensor, target: torch.Tensor, ridge: float = 1e-3) -> None:
    """Set `conv`'s weight and bias to the ridge least-squares fit of `target` from `inputs`."""
    k = conv.kernel_size
    patches = F.unfold(inputs, k, padding=conv.padding, stride=conv.stride)  # (N, C*k*k, L)
    a = patches.permute(0, 2, 1).reshape(-1, patches.shape[1]).double()
    a = torch.cat([a, torch.ones_like(a[:, :1])], dim=1)
    b = target.permute(0, 2, 3, 1).reshape(-1, target.shape[1]).double()
    gram = a.T @ a
    gram += ridge * gram.diagonal().mean() * torch.eye(gram.shape[0], dtype=gram.dtype)
    solution = torch.linalg.solve(gram, a.T @ b)  # (C*k*k + 1, 3)
    with torch.no_grad():
        conv.weight.copy_(solution[:-1].T.reshape(conv.weight.shape).float())
        if conv.bias is not None:
            conv.bias.copy_(solution[-1].float())


def overflowing_in_half(model: StyleNet, headroom: float = 4.0) -> StyleNet:
    """The same function in float32, but the first layer's activations scaled past float16's range.

    The first convolution's weights are multiplied by a factor that the normalisation right after
    it divides out again (InstanceNorm does so by itself; BatchNorm's running statistics are scaled
    to match), so float32 results are unchanged while float16 storage overflows to infinity: the
    way a [0, 255] model can break in half precision.
    """
    if isinstance(model, TransformerNet):
        conv, norm = model.conv1.conv2d, None
    elif isinstance(model, FewShotGenerator):
        conv, norm = model.conv0.conv, model.conv0.normalization
    else:
        raise TypeError(f"no recipe for {type(model).__name__}")
    probe = image_to_unit_tensor(game_frame(np.random.default_rng(0), 64, 48))
    seen: list[torch.Tensor] = []
    handle = conv.register_forward_hook(lambda _m, _i, out: seen.append(out.detach()))
    with torch.no_grad():
        model(model.contract.unit_to_input(probe))
    handle.remove()
    factor = headroom * HALF_MAX / float(seen[0].abs().max())
    with torch.no_grad():
        conv.weight.mul_(factor)
        if conv.bias is not None:
            conv.bias.mul_(factor)
        if norm is not None:
            norm.running_mean.mul_(factor)
            norm.running_var.mul_(factor**2)
    return model
