"""Shared fixtures: small generated images, data folders and weight files, all made by the tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from pipeline.core.fileio import save_png
from pipeline.core.synthetic import game_frame, mosaic_style
from pipeline.training.vgg import build_vgg19_features


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)


@pytest.fixture
def frame(rng: np.random.Generator) -> np.ndarray:
    """A 72x40 game-like RGB frame (odd sizes on purpose: not multiples of 8)."""
    return game_frame(rng, 72, 42)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A nested folder of 12 small game frames, like a captured dataset."""
    rng = np.random.default_rng(7)
    root = tmp_path / "data"
    for i in range(12):
        save_png(root / ("level_a" if i % 2 else "level_b") / f"f{i:03d}.png", game_frame(rng, 96, 54), 1)
    return root


@pytest.fixture
def style_image(tmp_path: Path) -> Path:
    return save_png(tmp_path / "style.png", mosaic_style(np.random.default_rng(3), size=64, cells=30))


@pytest.fixture(scope="session")
def vgg_weights_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A VGG-19 state_dict in torchvision's key format with random values (ImageNet cannot be downloaded)."""
    torch.manual_seed(0)
    features = build_vgg19_features()
    state = {f"features.{k}": v for k, v in features.state_dict().items()}
    # torchvision files also hold the classifier; small stand-ins keep the file quick to write.
    state.update({"classifier.0.weight": torch.randn(8, 8), "classifier.0.bias": torch.randn(8)})
    path = tmp_path_factory.mktemp("vgg") / "vgg19-dcbb9e9d.pth"
    torch.save(state, path)
    return path
