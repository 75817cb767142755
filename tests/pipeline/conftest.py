"""Fixtures for the export, validate, deploy and watch tests: checkpoints and Unity projects on disk."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import torch

from pipeline.models import create_model
from pipeline.models.checkpoint import Checkpoint, save_checkpoint


def trained_like_checkpoint(path: Path, preset: str = "tiny", seed: int = 0) -> Path:
    """A checkpoint of `preset` whose norm weights and biases moved as in training (so no two are equal)."""
    torch.manual_seed(seed)
    model = create_model(preset)
    with torch.no_grad():
        for parameter in model.parameters():
            if parameter.ndim == 1:
                parameter.add_(torch.randn_like(parameter) * 0.1)
        for module in model.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                module.running_mean.normal_(0, 0.1)
                module.running_var.uniform_(0.5, 1.5)
    return save_checkpoint(path, Checkpoint.from_model(model, preset=preset, step=seed))


@pytest.fixture
def make_checkpoint(tmp_path: Path) -> Callable[..., Path]:
    def make(preset: str = "tiny", seed: int = 0, path: Path | None = None) -> Path:
        return trained_like_checkpoint(path or tmp_path / f"{preset}_{seed}.pt", preset, seed)

    return make


@pytest.fixture
def unity_project(tmp_path: Path) -> Path:
    """A folder shaped like a Unity project: Assets/ and ProjectSettings/."""
    project = tmp_path / "UnityProject"
    (project / "Assets").mkdir(parents=True)
    (project / "ProjectSettings").mkdir()
    return project
