"""The perceptual loss is built where its style image is (the training device)."""

from __future__ import annotations

import torch

from pipeline.training.losses import PerceptualLoss
from pipeline.training.vgg import STYLE_LAYER_SETS, resolve_vgg_weights


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
