"""Plain helpers shared by the bridge tests (fixtures live in conftest.py)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch

from bridge.protocol import PixelFormat
from pipeline.models import create_model
from pipeline.models.checkpoint import Checkpoint, save_checkpoint


def tiny_checkpoint(path: Path, seed: int) -> Path:
    """A tiny TransformerNet whose output spans the range like a trained one's (random init gives ~black).

    The last convolution is scaled up and centred on mid-grey, so comparisons of its output mean something.
    """
    torch.manual_seed(seed)
    model = create_model("tiny")
    last = [module for module in model.modules() if isinstance(module, torch.nn.Conv2d)][-1]
    with torch.no_grad():
        last.weight.mul_(100.0)
        last.bias.fill_(0.5 * model.contract.output_scale + model.contract.output_bias)
    return save_checkpoint(path, Checkpoint.from_model(model, preset="tiny"))


def noise(rng: np.random.Generator, width: int, height: int, fmt: PixelFormat = PixelFormat.RGBA32) -> np.ndarray:
    channels = 4 if fmt == PixelFormat.RGBA32 else 3
    return rng.integers(0, 256, (height, width, channels), dtype=np.uint8)


def replace_atomically(source: Path, target: Path) -> None:
    """Copy `source` over `target` the way exporters write: a hidden temp file, then a rename."""
    temp = target.with_name(f".{target.name}.partial")
    temp.write_bytes(source.read_bytes())
    os.replace(temp, target)
