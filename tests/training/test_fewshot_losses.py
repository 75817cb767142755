"""The few-shot losses against values computed by hand on tiny tensors."""

from __future__ import annotations

import pytest
import torch

from pipeline.models.patchgan import PatchDiscriminator
from pipeline.training.fewshot_losses import FeatureMSE, FewShotLoss, LossWeights, lsgan
from pipeline.training.vgg import build_vgg19_features, resolve_vgg_weights


def test_lsgan_is_the_squared_distance_to_the_label() -> None:
    scores = torch.tensor([[0.5, -1.0], [2.0, 1.0]])
    assert float(lsgan(scores, real=True)) == pytest.approx((0.25 + 4 + 1 + 0) / 4)
    assert float(lsgan(scores, real=False)) == pytest.approx((0.25 + 1 + 4 + 1) / 4)
    half = torch.full((1, 1, 2, 2), 0.5)
    assert float(FewShotLoss.discriminator(half, half)) == pytest.approx(0.5)


def test_feature_mse_taps_conv1_1_relu1_2_conv2_1_without_normalisation() -> None:
    weights = resolve_vgg_weights("random", seed=4)
    loss = FeatureMSE(weights, seed=4)
    features = build_vgg19_features(6)
    features.load_state_dict(loss.vgg.features.state_dict())
    a, b = torch.rand(2, 3, 8, 8) * 2 - 1, torch.rand(2, 3, 8, 8) * 2 - 1

    def by_hand(x: torch.Tensor) -> torch.Tensor:
        conv1_1 = features[0](x)
        relu1_2 = features[3](features[2](features[1](conv1_1)))
        conv2_1 = features[5](features[4](relu1_2))
        return torch.cat([t.flatten(1) for t in (conv1_1, relu1_2, conv2_1)], dim=1)

    with torch.no_grad():
        assert float(loss(a, b)) == pytest.approx(float(((by_hand(a) - by_hand(b)) ** 2).mean()), rel=1e-5)
        assert (by_hand(a)[:, : 64 * 64] < 0).any()  # conv1_1 is taken before its ReLU


def test_the_generator_loss_weighs_its_terms_like_the_paper() -> None:
    loss = FewShotLoss(LossWeights(), resolve_vgg_weights("random"))
    output, target = torch.zeros(1, 3, 16, 16), torch.full((1, 3, 16, 16), 0.5)
    scores = torch.zeros(1, 1, 2, 2)
    terms = loss.generator(output, target, scores)
    assert float(terms["l1"]) == pytest.approx(4 * 0.5)
    assert float(terms["adv"]) == pytest.approx(0.5 * 1.0)
    assert float(terms["vgg"]) == pytest.approx(6 * float(loss.perceptual(output, target)))
    assert float(terms["g_total"]) == pytest.approx(float(terms["l1"] + terms["vgg"] + terms["adv"]))


def test_the_discriminator_scores_a_32px_patch_on_a_6x6_grid() -> None:
    d = PatchDiscriminator()
    assert d(torch.zeros(2, 3, 32, 32)).shape == (2, 1, 6, 6)
    assert sum(p.numel() for p in d.parameters()) == (3 * 12 * 16 + 12) + (12 * 24 * 16 + 24) + (24 * 48 * 16 + 48) + (
        48 * 16 + 1
    )
