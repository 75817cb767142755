"""Perceptual losses for fast style transfer (Johnson et al. 2016).

Content: MSE between VGG activations of the output and of the input frame at relu2_2.
Style: MSE between Gram matrices of the output and of the style image, summed over the style
layers; Gram matrices are normalised by C*H*W as in pytorch/examples. Both work on images in the
unit range, so the same loss serves networks of any pixel contract.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn
from torch.nn import functional as F

from pipeline.training.vgg import CONTENT_LAYER, VGGFeatures, VGGWeights


def gram_matrix(features: torch.Tensor) -> torch.Tensor:
    """(N, C, H, W) -> (N, C, C), normalised by C*H*W; computed in float32 (fp16 overflows)."""
    n, c, h, w = features.shape
    flat = features.float().reshape(n, c, h * w)
    return flat.bmm(flat.transpose(1, 2)) / (c * h * w)


class PerceptualLoss(nn.Module):
    """Weighted content + style loss against one style image.

    The module is built on `style_unit`'s device: the style Gram targets are computed once, at
    construction, so the VGG must already sit beside the style image (a GPU style image would
    otherwise meet a CPU VGG). Put the style image on the training device and the loss is there too.
    """

    def __init__(
        self,
        style_unit: torch.Tensor,
        style_layers: Sequence[str],
        weights: VGGWeights,
        content_weight: float,
        style_weight: float,
        seed: int = 0,
    ) -> None:
        super().__init__()
        layers = list(dict.fromkeys([*style_layers, CONTENT_LAYER]))
        self.vgg = VGGFeatures(layers, weights, seed=seed).to(style_unit.device)
        self.style_layers = tuple(style_layers)
        self.content_weight = content_weight
        self.style_weight = style_weight
        with torch.no_grad():
            features = self.vgg(style_unit)
        for i, name in enumerate(self.style_layers):
            self.register_buffer(f"style_gram_{i}", gram_matrix(features[name]), persistent=False)
        # The content target needs only relu2_2: a shallow network saves a third of the VGG work.
        self.content_vgg = VGGFeatures([CONTENT_LAYER], weights, seed=seed).to(style_unit.device)

    def forward(self, output_unit: torch.Tensor, content_unit: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Both (N, 3, H, W) in [0, 1] -> (weighted content loss, weighted style loss)."""
        with torch.no_grad():
            target = self.content_vgg(content_unit)[CONTENT_LAYER]
        features = self.vgg(output_unit)
        content = F.mse_loss(features[CONTENT_LAYER].float(), target.float())
        style = output_unit.new_zeros((), dtype=torch.float32)
        for i, name in enumerate(self.style_layers):
            gram = gram_matrix(features[name])
            style_gram = getattr(self, f"style_gram_{i}")
            style = style + F.mse_loss(gram, style_gram.expand_as(gram))
        return self.content_weight * content, self.style_weight * style
