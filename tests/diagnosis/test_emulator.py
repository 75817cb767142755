"""The engine emulator: the correct path is PyTorch's output, and each fault does what its documentation says."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch

from pipeline.core.contract import PixelContract, image_to_unit_tensor, linear_to_srgb, unit_to_uint8
from pipeline.diagnosis.emulator import emulate, engine_input, quantize
from pipeline.diagnosis.faults import KINDS, EngineSettings, Fault, candidate_faults, settings_of, stretch_sizes
from pipeline.diagnosis.graphs import OnnxGraph, TorchGraph
from pipeline.diagnosis.standins import overflowing_in_half, standin_model
from pipeline.diagnosis.table import FAMILIES
from pipeline.export.exporter import IO_MODES, export_onnx
from pipeline.inference.torch_stylizer import TorchStylizer
from pipeline.models import StyleNet
from pipeline.models.checkpoint import Checkpoint, save_checkpoint

UNIT = PixelContract(input_range="0_1", output_range="0_1", size_multiple=4)


def _fault(graph_contract: PixelContract, name: str, frame: np.ndarray) -> Fault:
    faults = candidate_faults(graph_contract, (frame.shape[1], frame.shape[0]))
    return next(f for f in faults if f.name == name)


@pytest.mark.parametrize("io", IO_MODES)
@pytest.mark.parametrize("preset", FAMILIES)
def test_the_correct_engine_path_is_pytorchs_output(
    preset: str, io: str, standins: dict[str, StyleNet], frame: np.ndarray, onnx_graph: Callable[[str, str], OnnxGraph]
) -> None:
    reference = TorchStylizer(standins[preset])(frame)
    assert np.array_equal(emulate(TorchGraph(standins[preset], io), frame), reference)
    exported = emulate(onnx_graph(preset, io), frame)  # ONNX Runtime: float differences round to the next level
    assert np.abs(exported.astype(int) - reference).max() <= 1


def test_output_faults_do_what_their_names_say(standins: dict[str, StyleNet], frame: np.ndarray) -> None:
    graph = TorchGraph(standins["fewshot-small"], "unit")
    correct = emulate(graph, frame)

    def under(name: str) -> np.ndarray:
        return emulate(graph, frame, settings_of((_fault(graph.contract, name, frame),)))

    assert np.array_equal(under("output_flip"), correct[::-1])
    assert np.array_equal(under("output_bgr"), correct[..., ::-1])
    encoded_again = unit_to_uint8(linear_to_srgb(correct / 255.0))  # (from 8 bits: steps near black differ)
    assert np.abs(under("output_srgb_twice").astype(int) - encoded_again).mean() < 0.5
    assert under("output_range:0_1->0_255").max() <= 1  # [0, 1] read as [0, 255]: divided by 255, all but black


def test_input_faults_feed_the_model_what_their_names_say(frame: np.ndarray) -> None:
    unit = image_to_unit_tensor(frame)
    h, w = frame.shape[:2]

    def fed(**changes: object) -> torch.Tensor:
        return engine_input(unit, EngineSettings(**changes), UNIT)[0][..., :h, :w]

    assert torch.equal(fed(input_flip=True), fed().flip(2))
    assert torch.equal(fed(input_bgr=True), fed().flip(1))
    grey = fed(input_channels="average")
    assert torch.allclose(grey[:, 0], unit.mean(dim=1)) and torch.equal(grey[:, 0], grey[:, 2])
    misread = fed(input_channels="rgba")  # R0 G0 B0 A0 R1 G1 B1 A1 ... read three at a time
    assert misread[0, :, 0, 1].tolist() == [1.0, unit[0, 0, 0, 1].item(), unit[0, 1, 0, 1].item()]
    assert torch.allclose(fed(fed_range="0_255"), unit * 255)
    assert torch.allclose(fed(fed_range="-1_1"), unit * 2 - 1)
    padded, fit = engine_input(unit, EngineSettings(fit=("zero_pad",)), UNIT)
    assert padded.shape[-2:] == (44, 72) and fit.frame == (42, 70) and padded[..., 42:, :].abs().sum() == 0
    reflected = engine_input(unit, EngineSettings(), UNIT)[0]
    assert torch.equal(reflected[..., 42, :70], unit[..., 40, :])  # reflection, edge row not repeated
    assert engine_input(unit, EngineSettings(fit=("crop", 8)), UNIT)[0].shape[-2:] == (40, 64)
    assert engine_input(unit, EngineSettings(fit=("stretch", 40, 40)), UNIT)[0].shape[-2:] == (40, 40)


def test_unclamped_values_wrap_around_like_a_byte_cast() -> None:
    values = torch.tensor([-0.02, 0.5, 1.02, float("nan"), float("inf")])
    assert quantize(values, clamp=True).tolist() == [0, 128, 255, 0, 255]
    assert quantize(values, clamp=False).tolist() == [251, 128, 4, 0, 255]


def test_half_precision_overflows_where_float32_does_not(frame: np.ndarray, tmp_path: Path) -> None:
    normal = TorchGraph(standin_model("tiny"), "raw")
    model = overflowing_in_half(standin_model("tiny"))
    overflowing = TorchGraph(model, "raw")
    half = EngineSettings(half=True)
    assert np.abs(emulate(overflowing, frame).astype(int) - emulate(normal, frame)).max() <= 1
    assert np.abs(emulate(normal, frame, half).astype(int) - emulate(normal, frame)).mean() < 0.5
    broken = emulate(overflowing, frame, half)
    assert np.abs(broken.astype(int) - emulate(normal, frame)).mean() > 20  # NaN from inf: black
    checkpoint = save_checkpoint(tmp_path / "overflow.pt", Checkpoint.from_model(model, preset="tiny"))
    onnx = OnnxGraph(export_onnx(checkpoint, tmp_path / "overflow.onnx", io_mode="raw").files.onnx, "cpu")
    assert np.abs(emulate(onnx, frame, half).astype(int) - broken).mean() < 1  # the same in ONNX Runtime


def test_every_fault_kind_is_documented_in_one_line_and_simulated() -> None:
    produced = set()
    for contract in (UNIT, PixelContract("0_255", "0_255", 4), PixelContract("-1_1", "-1_1", 4)):
        produced |= {fault.kind for fault in candidate_faults(contract, (1278, 717))}
    assert produced == set(KINDS)
    for kind in KINDS.values():
        for text in (kind.what, kind.symptom, kind.fix):
            assert text and "\n" not in text


def test_frames_are_stretched_to_the_sizes_users_stretch_them_to() -> None:
    sizes = stretch_sizes((1280, 720), 4)
    assert (1280, 540) in sizes  # the tutorial: 720 // 540 == 1, so only the height shrinks
    assert (720, 720) in sizes and (720, 1280) in sizes  # square, portrait
    assert (640, 360) not in sizes  # aspect kept: a resolution change, not a stretch
    assert stretch_sizes((960, 540), 4, static_size=(512, 512))[-1] == (512, 512)  # a static model's size
