"""The stylization networks, their registry of architectures and presets (`registry`), self-describing
checkpoints (`checkpoint`) and size and cost figures (`info`)."""

from pipeline.models.base import StyleNet
from pipeline.models.fewshot import FewShotGenerator
from pipeline.models.registry import (
    ARCHITECTURES,
    PRESETS,
    ModelConfigError,
    Preset,
    build_architecture,
    create_model,
    list_models,
    resolve,
)
from pipeline.models.transformer_net import TransformerNet

__all__ = [
    "ARCHITECTURES",
    "PRESETS",
    "FewShotGenerator",
    "ModelConfigError",
    "Preset",
    "StyleNet",
    "TransformerNet",
    "build_architecture",
    "create_model",
    "list_models",
    "resolve",
]
