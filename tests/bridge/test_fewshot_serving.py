"""The bridge serves few-shot generators: a frame through `serve` equals `stylize` within 1/255."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from bridge.backends import load_backend
from bridge.protocol import RowOrder
from pipeline.cli.main import main
from pipeline.core.fileio import load_rgb, save_png
from pipeline.core.synthetic import game_frame
from pipeline.export.exporter import export_onnx


@pytest.mark.parametrize("preset", ["fewshot-small", "fewshot-reference"])
def test_a_served_fewshot_model_matches_stylize(
    preset: str, make_checkpoint: Callable[..., Path], start_server: Callable, connect: Callable, tmp_path: Path
) -> None:
    checkpoint = make_checkpoint(preset)
    onnx_path = export_onnx(checkpoint, tmp_path / "m.onnx", parity_sizes=((48, 32),)).files.onnx
    frame_png = save_png(tmp_path / "frame.png", game_frame(np.random.default_rng(9), 72, 42))
    assert main(["-q", "stylize", str(checkpoint), str(frame_png), "-o", str(tmp_path / "expected.png")]) == 0
    expected = load_rgb(tmp_path / "expected.png").astype(int)
    image = load_rgb(frame_png)
    unity_like = np.dstack([image, np.full(image.shape[:2], 255, np.uint8)])[::-1]  # RGBA32, bottom-up
    for model in (checkpoint, onnx_path):
        server = start_server(load_backend("auto", model, "cpu"), watch=False)
        client = connect(server.endpoint)
        assert np.abs(client.stylize(image).astype(int) - expected).max() <= 1, model.name
        served = client.stylize(unity_like, RowOrder.BOTTOM_UP)
        assert np.abs(served[::-1, :, :3].astype(int) - expected).max() <= 1, model.name
