"""The perceptual loss is built where its style image is (the training device)."""

from __future__ import annotations

import torch

from pipeline.training.losses import PerceptualLoss, feature_moments, relative_error
from pipeline.training.vgg import LAYER_INDEX, STYLE_LAYER_SETS, VGGFeatures, VGGWeights, resolve_vgg_weights


def test_loss_module_is_built_on_the_style_images_device() -> None:
    # "meta" stands in for a GPU on a CPU-only machine: a CPU tensor meeting a meta one fails just as
    # it does against a CUDA one ("Tensor on device cpu is not on the expected device").
    style = torch.rand(1, 3, 32, 32, device="meta")
    criterion = PerceptualLoss(style, STYLE_LAYER_SETS["examples"], resolve_vgg_weights("random"), 1.0, 1.0)
    tensors = {**dict(criterion.named_parameters()), **dict(criterion.named_buffers())}
    assert {"vgg.features.0.weight", "vgg.mean", "style_gram_0", "content_vgg.features.0.weight"} <= set(tensors)
    assert [name for name, t in tensors.items() if t.device.type != "meta"] == []
    content, style_loss = criterion(torch.rand(2, 3, 32, 32, device="meta"), torch.rand(2, 3, 32, 32, device="meta"))
    assert content.device.type == style_loss.device.type == "meta"


def _style_loss(criterion: PerceptualLoss, output: torch.Tensor) -> float:
    return float(criterion(output, output)[1])


def test_relative_style_loss_does_not_depend_on_a_layers_accidental_scale() -> None:
    # Random filters give each layer an accidental scale, and a raw Gram loss grows with its 4th power: one
    # shallow layer drowned the others and the demo learned a tinted blur (issue 9). Scaling one layer's
    # filters by 10 must leave the relative loss as it is, while the raw Gram loss jumps.
    torch.manual_seed(0)
    style, output = torch.rand(1, 3, 48, 48), torch.rand(2, 3, 48, 48)
    layers = STYLE_LAYER_SETS["examples"]
    state = VGGFeatures(layers, resolve_vgg_weights("random")).features.state_dict()
    scaled = dict(state)
    conv = f"{LAYER_INDEX['relu4_3'] - 1}.weight"  # the convolution under relu4_3: only that layer scales
    scaled[conv] = state[conv] * 10
    plain, louder = VGGWeights(state, "random copy"), VGGWeights(scaled, "relu4_3 x10")
    relative = [_style_loss(PerceptualLoss(style, layers, w, 1.0, 1.0, relative=True), output) for w in (plain, louder)]
    raw = [_style_loss(PerceptualLoss(style, layers, w, 1.0, 1.0), output) for w in (plain, louder)]
    assert abs(relative[1] - relative[0]) < 1e-4 * relative[0]
    assert raw[1] > 10 * raw[0]


def test_relative_losses_are_zero_for_the_target_and_one_for_zeros() -> None:
    target = torch.rand(2, 8, 5, 5) + 0.5
    assert float(relative_error(target, target)) == 0.0
    assert abs(float(relative_error(torch.zeros_like(target), target)) - 1.0) < 1e-6
    mean, covariance = feature_moments(target)
    assert mean.shape == (2, 8) and covariance.shape == (2, 8, 8)
    assert torch.allclose(covariance, covariance.transpose(1, 2))
