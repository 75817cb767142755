"""Images smaller than a network's padding needs (a minimised Unity window sends 1x1 frames) still stylize."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from pipeline.cli.main import main
from pipeline.core.fileio import load_rgb, save_png
from pipeline.export.exporter import export_onnx
from pipeline.export.runtime import OnnxModelError
from pipeline.inference.files import load_stylizer
from pipeline.inference.onnx_stylizer import OnnxStylizer
from pipeline.inference.torch_stylizer import pad_to_multiple
from pipeline.models import create_model
from pipeline.models.checkpoint import Checkpoint, save_checkpoint

SIZES = [(5, 3), (4, 4), (1, 1), (3, 2), (1, 9), (11, 1)]  # (width, height)


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("models")
    torch.manual_seed(0)
    checkpoint = save_checkpoint(folder / "tiny.pt", Checkpoint.from_model(create_model("tiny"), preset="tiny"))
    export_onnx(checkpoint, folder / "tiny.onnx")
    export_onnx(checkpoint, folder / "static.onnx", static=(16, 8))
    return {"checkpoint": checkpoint, "onnx": folder / "tiny.onnx", "static": folder / "static.onnx"}


@pytest.mark.parametrize(("width", "height"), SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_stylize_takes_images_smaller_than_the_networks_padding(
    models: dict[str, Path], tmp_path: Path, width: int, height: int, caplog: pytest.LogCaptureFixture
) -> None:
    image = np.random.default_rng(width * 10 + height).integers(0, 256, (height, width, 3), dtype=np.uint8)
    source = save_png(tmp_path / "tiny.png", image)
    results = []
    for kind in ("checkpoint", "onnx"):
        target = tmp_path / f"{kind}.png"
        assert main(["stylize", str(models[kind]), str(source), "-o", str(target)]) == 0, caplog.text
        results.append(load_rgb(target).astype(int))
        assert results[-1].shape == (height, width, 3)
    assert np.abs(results[0] - results[1]).max() <= 1  # PyTorch and ONNX Runtime pad the same way


def test_a_static_model_refuses_another_size_in_one_clear_error(models: dict[str, Path]) -> None:
    stylizer = load_stylizer(models["static"])
    assert stylizer(np.zeros((8, 16, 3), np.uint8)).shape == (8, 16, 3)
    with pytest.raises(OnnxModelError, match=r"takes only 16x8 \(WxH\) inputs, got 3x2"):
        stylizer(np.zeros((2, 3, 3), np.uint8))


def test_the_minimum_size_comes_from_the_exported_models_architecture(models: dict[str, Path]) -> None:
    assert OnnxStylizer(models["onnx"]).min_size == 8  # TransformerNet's 9x9 reflection pad


def test_padding_reflects_where_it_can_and_repeats_edges_where_it_cannot() -> None:
    x = torch.arange(6.0).reshape(1, 1, 1, 6)  # one row: 0 1 2 3 4 5
    padded, h, w = pad_to_multiple(x, 4)
    assert (h, w) == (1, 6) and padded.shape == (1, 1, 4, 8)
    assert padded[0, 0, 0].tolist() == [0, 1, 2, 3, 4, 5, 4, 3]  # long enough: reflected
    assert (padded[0, 0] == padded[0, 0, :1]).all()  # a single row has nothing to reflect: repeated
    padded, _, _ = pad_to_multiple(x[..., :3], 4, minimum=8)
    assert padded.shape == (1, 1, 8, 8) and padded[0, 0, 0].tolist() == [0, 1, 2, 2, 2, 2, 2, 2]
