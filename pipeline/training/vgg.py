"""The VGG-19 loss network, defined here so torchvision is not needed.

Weights are torchvision's ImageNet VGG-19 state_dict (``features.N.weight`` keys). They are taken
from a path, from torch hub's cache, or downloaded into that cache the way torchvision does.
``random`` selects a deterministic randomly initialised network instead: random filters still
measure texture statistics (Ustyuzhaninov et al. 2016 synthesise textures with nothing else), so style
transfer works without any download, provided the losses compare each layer's statistics relative to
the style's own (``losses.PerceptualLoss(relative=True)`` says why).
"""

from __future__ import annotations

import logging
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from pipeline.core.errors import StylebridgeError
from pipeline.core.torch_files import TorchFileError, load_torch_file

log = logging.getLogger(__name__)

VGG19_URL = "https://download.pytorch.org/models/vgg19-dcbb9e9d.pth"
VGG19_FILE = VGG19_URL.rsplit("/", 1)[1]
# torchvision's VGG-19 "E" configuration: conv widths, "M" = 2x2 max-pool.
_CONFIG: list[int | str] = [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M",
                            512, 512, 512, 512, "M", 512, 512, 512, 512, "M"]  # fmt: skip


def _relu_indices() -> dict[str, int]:
    """Map relu{block}_{n} to its index in torchvision's vgg19().features."""
    names, index, block, n = {}, 0, 1, 0
    for item in _CONFIG:
        if item == "M":
            index, block, n = index + 1, block + 1, 0
        else:
            n += 1
            names[f"relu{block}_{n}"] = index + 1
            index += 2
    return names


RELU_INDEX = _relu_indices()
# Each convolution's own output, before its ReLU (the few-shot loss taps conv1_1 and conv2_1).
CONV_INDEX = {name.replace("relu", "conv"): index - 1 for name, index in RELU_INDEX.items()}
LAYER_INDEX = {**RELU_INDEX, **CONV_INDEX}
# pytorch/examples' four VGG-16 layers, taken from VGG-19, and the Unity tutorial's five
# (labelled relu3_3/4_3/5_3 there, but cut after relu3_4/4_4/5_4 of VGG-19).
STYLE_LAYER_SETS: dict[str, tuple[str, ...]] = {
    "examples": ("relu1_2", "relu2_2", "relu3_3", "relu4_3"),
    "tutorial": ("relu1_2", "relu2_2", "relu3_4", "relu4_4", "relu5_4"),
}
CONTENT_LAYER = "relu2_2"
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


class VGGWeightsError(StylebridgeError, RuntimeError):
    """ImageNet VGG-19 weights could not be found, downloaded or read.

    `reason` is what went wrong; the message adds what to do (a caller that already does something
    about it, as the demo falls back to random filters, shows only the reason).
    """

    def __init__(self, reason: str, remedy: str = "") -> None:
        super().__init__(f"{reason}. {remedy}" if remedy else reason)
        self.reason = reason


def build_vgg19_features(depth: int | None = None) -> nn.Sequential:
    """torchvision-compatible ``vgg19().features`` (module names "0", "1", ...), cut at `depth`."""
    layers: list[nn.Module] = []
    channels = 3
    for item in _CONFIG:
        if item == "M":
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
        else:
            layers += [nn.Conv2d(channels, int(item), kernel_size=3, padding=1), nn.ReLU(inplace=False)]
            channels = int(item)
    return nn.Sequential(*layers[:depth])


@dataclass(frozen=True)
class VGGWeights:
    state_dict: dict[str, torch.Tensor] | None  # features-only keys ("0.weight"); None = random
    description: str  # where they came from, for logs and checkpoints

    @property
    def random(self) -> bool:
        return self.state_dict is None


def hub_cache_path() -> Path:
    return Path(torch.hub.get_dir()) / "checkpoints" / VGG19_FILE


def resolve_vgg_weights(spec: str | None, download: bool = True, seed: int = 0) -> VGGWeights:
    """Find VGG-19 weights.

    Args:
        spec: None for ImageNet weights from the torch hub cache (downloaded there if missing and
            `download` is set), "random" for a seeded random network, else a path to a
            torchvision-format VGG-19 state_dict.
        download: allow a download when the cache is empty.
        seed: seed of the random network (so a resumed run sees the same one).

    Raises:
        VGGWeightsError: weights were asked for but cannot be had; the message says what to do.
    """
    if spec == "random":
        return VGGWeights(None, f"random filters (seed {seed})")
    if spec:
        return VGGWeights(_read_features(Path(spec)), f"ImageNet VGG-19 from {spec}")
    cached = hub_cache_path()
    if cached.is_file():
        return VGGWeights(_read_features(cached), f"ImageNet VGG-19 from {cached}")
    if not download:
        raise VGGWeightsError(f"ImageNet VGG-19 weights are not in the torch hub cache ({cached})")
    try:
        # Probe with a timeout first: torch.hub's own download has none and can hang offline.
        urllib.request.urlopen(urllib.request.Request(VGG19_URL, method="HEAD"), timeout=15).close()
        log.info("downloading ImageNet VGG-19 weights (548 MB) from %s to %s", VGG19_URL, cached)
        state = torch.hub.load_state_dict_from_url(VGG19_URL, map_location="cpu", progress=True, check_hash=True)
    except (urllib.error.URLError, OSError, RuntimeError) as exc:
        raise VGGWeightsError(
            f"could not download ImageNet VGG-19 weights from {VGG19_URL} ({exc})",
            f"Either put {VGG19_FILE} at {cached} (or set TORCH_HOME), pass --vgg-weights PATH to a torchvision "
            "VGG-19 state_dict, or pass --vgg-weights random to train with a random-filter loss network",
        ) from exc
    return VGGWeights(_features_only(state, VGG19_URL), f"ImageNet VGG-19 downloaded to {cached}")


def _read_features(path: Path) -> dict[str, torch.Tensor]:
    try:
        state = load_torch_file(path)
    except TorchFileError as exc:
        if exc.holds_code:
            content = "a pickled module, not a state_dict; save vgg19().state_dict() instead"
        else:
            content = f"not a file written by torch.save ({exc.reason})"
        raise VGGWeightsError(
            f"cannot read VGG-19 weights from {path}: {content}",
            f"Expected torchvision's {VGG19_FILE} (from {VGG19_URL}), or pass --vgg-weights random",
        ) from exc
    return _features_only(state, str(path))


def _features_only(state: object, origin: str) -> dict[str, torch.Tensor]:
    """Keep the convolution weights of ``features``; check them against VGG-19's shapes."""
    if not isinstance(state, dict):
        raise VGGWeightsError(f"{origin} is not a state_dict")
    if any(str(k).startswith("features.") for k in state):
        state = {k[len("features.") :]: v for k, v in state.items() if k.startswith("features.")}
    expected = build_vgg19_features().state_dict()
    for key, tensor in expected.items():
        got = state.get(key)
        if not isinstance(got, torch.Tensor) or got.shape != tensor.shape:
            shape = None if not isinstance(got, torch.Tensor) else tuple(got.shape)
            raise VGGWeightsError(
                f"{origin} is not a torchvision VGG-19 state_dict: {key} should be {tuple(tensor.shape)}, found {shape}"
            )
    return {k: state[k].float() for k in expected}


class VGGFeatures(nn.Module):
    """Frozen VGG-19 returning the named ReLU (reluB_N) or convolution (convB_N) outputs; runs only as deep
    as the deepest layer asked. `normalize`: ImageNet mean/std on [0, 1] input (torchvision's way); off,
    the input goes in as it is (the few-shot authors feed [-1, 1] images)."""

    def __init__(self, layers: Sequence[str], weights: VGGWeights, seed: int = 0, normalize: bool = True) -> None:
        super().__init__()
        unknown = [name for name in layers if name not in LAYER_INDEX]
        if unknown:
            raise ValueError(f"unknown VGG-19 layers {unknown}; known: {', '.join(LAYER_INDEX)}")
        self.layers = tuple(layers)
        self.normalize = normalize
        self._taps = {LAYER_INDEX[name]: name for name in layers}
        depth = max(self._taps) + 1
        self.features = build_vgg19_features(depth)
        if weights.state_dict is None:
            _random_init(self.features, seed)
        else:
            kept = {k: v for k, v in weights.state_dict.items() if int(k.split(".")[0]) < depth}
            self.features.load_state_dict(kept)
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1), persistent=False)
        self.requires_grad_(False)
        self.eval()

    def forward(self, unit: torch.Tensor) -> dict[str, torch.Tensor]:
        """`unit`: RGB (N, 3, H, W) in [0, 1] (or as is, without `normalize`) -> {layer name: activation}."""
        h = (unit - self.mean) / self.std if self.normalize else unit
        out = {}
        for index, layer in enumerate(self.features):
            h = layer(h)
            if index in self._taps:
                out[self._taps[index]] = h
        return out


def _random_init(features: nn.Sequential, seed: int) -> None:
    # torchvision's VGG initialisation, from a private generator so the global RNG is untouched.
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for layer in features:
            if isinstance(layer, nn.Conv2d):
                fan_out = layer.out_channels * layer.kernel_size[0] * layer.kernel_size[1]
                layer.weight.normal_(0.0, (2.0 / fan_out) ** 0.5, generator=generator)
                layer.bias.zero_()
