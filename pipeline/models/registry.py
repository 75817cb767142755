"""The model zoo: architecture names -> constructors, preset names -> constructor arguments.

An architecture is a `StyleNet` subclass (which carries its pixel contract). A preset is a named
size of one architecture, tuned for a real-time budget. `create_model` takes either name, plus
keyword overrides; overrides that are None are ignored, so unset CLI flags never clobber a
preset (timm's rule).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pipeline.core.errors import StylebridgeError
from pipeline.models.base import StyleNet
from pipeline.models.fewshot import FewShotGenerator
from pipeline.models.transformer_net import TransformerNet


class ModelConfigError(StylebridgeError, ValueError):
    """An unknown model name or arguments a model cannot be built with."""


ARCHITECTURES: dict[str, type[StyleNet]] = {
    TransformerNet.architecture: TransformerNet,
    FewShotGenerator.architecture: FewShotGenerator,
}


@dataclass(frozen=True)
class Preset:
    name: str
    architecture: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    description: str = ""

    @property
    def trainer(self) -> str:
        """The `stylebridge train` command that trains this preset."""
        return ARCHITECTURES[self.architecture].trainer


PRESETS: dict[str, Preset] = {}


def register_preset(preset: Preset) -> Preset:
    if preset.name in PRESETS or preset.name in ARCHITECTURES:
        raise ValueError(f"model name {preset.name!r} is already registered")
    if preset.architecture not in ARCHITECTURES:
        raise ValueError(f"preset {preset.name!r} names unknown architecture {preset.architecture!r}")
    PRESETS[preset.name] = preset
    return preset


for _preset in (
    Preset("tiny", "transformer_net", {"filters": (8, 16, 32), "res_blocks": 5},
           "TransformerNet (8,16,32), ~0.44 MB: the fastest in-engine"),
    Preset("small", "transformer_net", {"filters": (16, 32, 64), "res_blocks": 5},
           "TransformerNet (16,32,64), ~1.7 MB"),
    Preset("original", "transformer_net", {"filters": (32, 64, 128), "res_blocks": 5},
           "TransformerNet (32,64,128), ~6.7 MB: pytorch/examples' size"),
    Preset("fewshot-reference", "fewshot_generator",
           {"filters": (32, 64, 128, 128, 128, 64), "resnet_blocks": 7},
           "few-shot generator, Texler et al.'s reference_P config, ~13 MB"),
    Preset("fewshot-small", "fewshot_generator",
           {"filters": (8, 16, 32, 32, 32, 16), "resnet_blocks": 3},
           "few-shot generator shrunk below 1 MB for real-time use"),
):  # fmt: skip
    register_preset(_preset)


def list_models() -> list[str]:
    """Every preset name, then every bare architecture name."""
    return [*PRESETS, *ARCHITECTURES]


def presets_for(trainer: str) -> list[str]:
    """The presets a `stylebridge train TRAINER` command trains, in registry order."""
    return [name for name, preset in PRESETS.items() if preset.trainer == trainer]


def resolve(name: str, **overrides: Any) -> tuple[str, dict[str, Any]]:
    """A preset or architecture name plus overrides -> (architecture, constructor kwargs)."""
    if name in PRESETS:
        architecture, kwargs = PRESETS[name].architecture, dict(PRESETS[name].kwargs)
    elif name in ARCHITECTURES:
        architecture, kwargs = name, {}
    else:
        raise ModelConfigError(f"unknown model {name!r}; known models: {', '.join(list_models())}")
    kwargs.update({k: v for k, v in overrides.items() if v is not None})
    return architecture, kwargs


def create_model(name: str, **overrides: Any) -> StyleNet:
    """Build a registered model by preset or architecture name."""
    architecture, kwargs = resolve(name, **overrides)
    return build_architecture(architecture, kwargs)


def build_architecture(architecture: str, config: dict[str, Any]) -> StyleNet:
    """Rebuild a network from the (architecture, config) pair a checkpoint stores."""
    if architecture not in ARCHITECTURES:
        raise ModelConfigError(f"unknown architecture {architecture!r}; known: {', '.join(ARCHITECTURES)}")
    try:
        return ARCHITECTURES[architecture](**config)
    except (TypeError, ValueError) as exc:
        raise ModelConfigError(f"cannot build {architecture} with {config}: {exc}") from exc
