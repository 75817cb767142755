"""Perceptual losses for fast style transfer (Johnson et al. 2016).

Content: MSE between VGG activations of the output and of the input frame at relu2_2.
Style, with ImageNet VGG-19: MSE between Gram matrices of the output and of the style image, summed
over the style layers; Gram matrices are normalised by C*H*W as in pytorch/examples.

Style and content with random filters (`relative=True`): each layer's error is measured relative to the
target's own size, and the Gram matrix is split into the features' mean and covariance. A random-filter
network's raw losses say little about texture, for two reasons measured on the demo's frames:

* The scale of each layer is an accident of the initialisation (a ReLU network without biases scales
  with its weights), and a Gram loss goes with the fourth power of it: relu1_2's loss was 250 times
  relu4_3's, so the style loss was one shallow layer.
* A random filter is not zero-mean, so its response to the average colour swamps its response to
  texture: the mean part of the Gram matrix (mean x mean) was 91-97% of its norm.

Together the style loss was "match relu1_2's mean activation", a colour tint, and nothing in the loss
asked for sharp detail, so the network learned a tinted blur. Relative per-layer errors of the mean and
of the covariance give each layer, and texture as much as colour, an equal say.
Both work on images in the unit range, so the same loss serves networks of any pixel contract.
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


def feature_moments(features: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(N, C, H, W) -> the channels' means (N, C) and covariance over positions (N, C, C), in float32."""
    n, c, h, w = features.shape
    flat = features.float().reshape(n, c, h * w)
    mean = flat.mean(dim=2)
    centred = flat - mean.unsqueeze(2)
    return mean, centred.bmm(centred.transpose(1, 2)) / (h * w)


def relative_error(value: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean square error over the target's mean square: 1 = as far off as predicting zeros, at any scale."""
    return F.mse_loss(value, target.expand_as(value)) / target.pow(2).mean().clamp_min(1e-12)


class PerceptualLoss(nn.Module):
    """Weighted content + style loss against one style image.

    `relative`: relative per-layer errors of feature means and covariances (for random filters, see
    the module's docstring) instead of pytorch/examples' raw Gram and content MSEs (for ImageNet
    weights, whose default loss weights are tuned to those raw magnitudes).

    The module is built on `style_unit`'s device: the style targets are computed once, at
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
        relative: bool = False,
    ) -> None:
        super().__init__()
        layers = list(dict.fromkeys([*style_layers, CONTENT_LAYER]))
        self.vgg = VGGFeatures(layers, weights, seed=seed).to(style_unit.device)
        self.style_layers = tuple(style_layers)
        self.content_weight = content_weight
        self.style_weight = style_weight
        self.relative = relative
        with torch.no_grad():
            features = self.vgg(style_unit)
        for i, name in enumerate(self.style_layers):
            if relative:
                mean, covariance = feature_moments(features[name])
                self.register_buffer(f"style_mean_{i}", mean, persistent=False)
                self.register_buffer(f"style_cov_{i}", covariance, persistent=False)
            else:
                self.register_buffer(f"style_gram_{i}", gram_matrix(features[name]), persistent=False)
        # The content target needs only relu2_2: a shallow network saves a third of the VGG work.
        self.content_vgg = VGGFeatures([CONTENT_LAYER], weights, seed=seed).to(style_unit.device)

    def forward(self, output_unit: torch.Tensor, content_unit: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Both (N, 3, H, W) in [0, 1] -> (weighted content loss, weighted style loss)."""
        with torch.no_grad():
            target = self.content_vgg(content_unit)[CONTENT_LAYER].float()
        features = self.vgg(output_unit)
        output = features[CONTENT_LAYER].float()
        content = relative_error(output, target) if self.relative else F.mse_loss(output, target)
        style = output_unit.new_zeros((), dtype=torch.float32)
        for i, name in enumerate(self.style_layers):
            if self.relative:
                mean, covariance = feature_moments(features[name])
                style = style + relative_error(mean, getattr(self, f"style_mean_{i}"))
                style = style + relative_error(covariance, getattr(self, f"style_cov_{i}"))
            else:
                gram = gram_matrix(features[name])
                style = style + F.mse_loss(gram, getattr(self, f"style_gram_{i}").expand_as(gram))
        return self.content_weight * content, self.style_weight * style
