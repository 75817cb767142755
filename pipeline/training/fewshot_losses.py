"""The few-shot trainer's losses (Texler et al. 2020), on images in the generator's [-1, 1] range.

Generator: l1_weight x L1(G(x), painted) + perceptual_weight x VGG feature MSE + adversarial_weight x
LSGAN(D(G(x)) -> 1). The VGG term is the mean squared difference of conv1_1 (before its ReLU), relu1_2
and conv2_1 (before its ReLU) of VGG-19, flattened and concatenated per image, with the [-1, 1]
images fed in as they are (no ImageNet normalisation), as the authors' `PerceptualVGG19` does.
Discriminator: LSGAN(D(fake) -> 0) + LSGAN(D(real) -> 1), the real patch being another patch of a
painting. Losses are computed in float32 whatever autocast does to the networks.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F

from pipeline.training.vgg import VGGFeatures, VGGWeights

FEATURE_LAYERS = ("conv1_1", "relu1_2", "conv2_1")


class FeatureMSE(nn.Module):
    """mean((VGG(a) - VGG(b))^2) over the concatenated features; `b`, the painting, gets no gradient."""

    def __init__(self, weights: VGGWeights, seed: int = 0) -> None:
        super().__init__()
        self.vgg = VGGFeatures(FEATURE_LAYERS, weights, seed=seed, normalize=False)

    def features(self, images: torch.Tensor) -> torch.Tensor:
        found = self.vgg(images)
        return torch.cat([found[name].float().flatten(1) for name in FEATURE_LAYERS], dim=1)

    def forward(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            wanted = self.features(target)
        return F.mse_loss(self.features(output), wanted)


def lsgan(scores: torch.Tensor, real: bool) -> torch.Tensor:
    """Least-squares GAN loss: mean((scores - 1)^2) for real, mean(scores^2) for fake."""
    scores = scores.float()
    return F.mse_loss(scores, torch.ones_like(scores) if real else torch.zeros_like(scores))


@dataclass(frozen=True)
class LossWeights:
    l1: float = 4.0
    perceptual: float = 6.0
    adversarial: float = 0.5


class FewShotLoss(nn.Module):
    def __init__(self, weights: LossWeights, vgg_weights: VGGWeights, seed: int = 0) -> None:
        super().__init__()
        self.weights = weights
        self.perceptual = FeatureMSE(vgg_weights, seed)

    def generator(
        self, output: torch.Tensor, target: torch.Tensor, fake_scores: torch.Tensor
    ) -> dict[str, torch.Tensor]:
        """The named weighted terms and their sum ("g_total")."""
        w = self.weights
        terms = {
            "l1": w.l1 * F.l1_loss(output.float(), target.float()),
            "vgg": w.perceptual * self.perceptual(output, target),
            "adv": w.adversarial * lsgan(fake_scores, real=True),
        }
        return {**terms, "g_total": terms["l1"] + terms["vgg"] + terms["adv"]}

    @staticmethod
    def discriminator(fake_scores: torch.Tensor, real_scores: torch.Tensor) -> torch.Tensor:
        return lsgan(fake_scores, real=False) + lsgan(real_scores, real=True)
