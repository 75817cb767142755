"""Shared fixtures: small generated images, data folders, weight files, checkpoints and Unity project folders,
all made by the tests inside their own temporary folders."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch
from chromium_testing import require_chromium

from pipeline.core.fileio import save_png
from pipeline.core.synthetic import game_frame, mosaic_style
from pipeline.models import create_model
from pipeline.models.checkpoint import Checkpoint, save_checkpoint
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
    return save_png(tmp_path / "style.png", mosaic_style(np.random.default_rng(3), size=64, tile=12))


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


def paint(image: np.ndarray) -> np.ndarray:
    """A deterministic 'painting' of a frame for the few-shot tests: inverted and posterised."""
    return (255 - image) // 64 * 64 + 32


@pytest.fixture
def fewshot_sequence(tmp_path: Path) -> Path:
    """A sliding 48x32 view over a game-like strip: frames/f0..f7.png, keyframes/f0.png and f7.png painted."""
    world = game_frame(np.random.default_rng(11), 120, 32)
    root = tmp_path / "seq"
    for i in range(8):
        view = np.ascontiguousarray(world[:, i * 8 : i * 8 + 48])
        save_png(root / "frames" / f"f{i}.png", view, 1)
        if i in (0, 7):
            save_png(root / "keyframes" / f"f{i}.png", paint(view), 1)
    return root


def teacher_checkpoint(path: Path, seed: int = 0) -> Path:
    """A fast-style 'teacher' with a visible, structured output (a fresh tiny TransformerNet's is nearly black):
    its last convolution amplified around mid-grey."""
    torch.manual_seed(seed)
    model = create_model("tiny")
    last = [m for m in model.modules() if isinstance(m, torch.nn.Conv2d)][-1]
    with torch.no_grad():
        last.weight.mul_(60.0)
        last.bias.fill_(128.0)
    return save_checkpoint(path, Checkpoint.from_model(model, preset="tiny", step=seed))


@pytest.fixture(scope="session")
def make_teacher(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Path]:
    """make_teacher(seed) -> a teacher checkpoint (one file per seed for the whole session: tests only read it)."""
    folder = tmp_path_factory.mktemp("teachers")

    def make(seed: int = 0) -> Path:
        path = folder / f"teacher_{seed}.pt"
        return path if path.is_file() else teacher_checkpoint(path, seed)

    return make


@pytest.fixture
def level_dir(tmp_path: Path) -> Path:
    """16 frames 48x32 of the built-in game level (three areas, the camera holding still in each)."""
    from pipeline.training.level import write_level

    return write_level(tmp_path / "level", count=16, width=48, height=32)


@pytest.fixture(scope="session")
def chromium() -> str:
    return require_chromium()
