"""Frames smaller than the model's padding needs (a minimised Unity window sends 1x1) are stylized, not refused."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from bridge_testing import noise

from bridge.backends import load_backend
from bridge.client import BridgeClient
from bridge.protocol import RowOrder
from bridge.server import BridgeServer
from pipeline.inference.files import load_stylizer

pytestmark = pytest.mark.timeout(120)

SIZES = [(1, 1), (3, 2), (5, 3), (4, 4)]  # (width, height)


@pytest.mark.parametrize("model_name", ["tiny_a.onnx", "tiny_a.pt"])
def test_tiny_frames_come_back_stylized(
    start_server: Callable[..., BridgeServer],
    connect: Callable[..., BridgeClient],
    models_dir: Path,
    model_name: str,
) -> None:
    client = connect(start_server(load_backend("auto", models_dir / model_name), watch=False).endpoint)
    stylizer = load_stylizer(models_dir / model_name, "cpu")
    rng = np.random.default_rng(3)
    for width, height in SIZES:
        frame = noise(rng, width, height)  # RGBA32, as Unity sends
        result = client.stylize(frame, RowOrder.BOTTOM_UP)
        assert result.shape == frame.shape
        assert (result[:, :, 3] == frame[:, :, 3]).all()
        expected = stylizer(frame[::-1, :, :3].copy()).astype(int)
        assert np.abs(result[::-1, :, :3].astype(int) - expected).max() <= 1, (width, height)
