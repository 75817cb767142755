"""Fixtures for the diagnosis tests: stand-in models of both families, a frame, diagnosers and real exports.

Everything expensive is built once per session: the stand-ins' fitted output layers, the
diagnosers' simulated pictures (one model run per distinct input), and the exported .onnx files.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from pipeline.core.synthetic import game_frame
from pipeline.diagnosis.diagnose import Diagnoser
from pipeline.diagnosis.graphs import Graph, OnnxGraph, TorchGraph
from pipeline.diagnosis.standins import standin_model
from pipeline.diagnosis.table import FAMILIES, FRAME_SEED
from pipeline.export.exporter import export_onnx
from pipeline.models import StyleNet
from pipeline.models.checkpoint import Checkpoint, save_checkpoint

FRAME_SIZE = (70, 42)  # (W, H): not multiples of 4 or 8, so padding and cropping faults show


@pytest.fixture(scope="session")
def frame() -> np.ndarray:
    return game_frame(np.random.default_rng(FRAME_SEED), *FRAME_SIZE)


@pytest.fixture(scope="session")
def standins() -> dict[str, StyleNet]:
    return {preset: standin_model(preset) for preset in FAMILIES}


@pytest.fixture(scope="session")
def torch_diagnoser(standins: dict[str, StyleNet], frame: np.ndarray) -> Callable[[str, str], tuple[Graph, Diagnoser]]:
    """(preset, io) -> (the graph as exported with --io io, a Diagnoser of the session's frame), built once."""
    built: dict[tuple[str, str], tuple[Graph, Diagnoser]] = {}

    def get(preset: str, io: str) -> tuple[Graph, Diagnoser]:
        if (preset, io) not in built:
            graph = TorchGraph(standins[preset], io, name=f"{preset} (--io {io})")
            built[preset, io] = graph, Diagnoser(graph, frame)
        return built[preset, io]

    return get


@pytest.fixture(scope="session")
def checkpoints(standins: dict[str, StyleNet], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("standins")
    return {
        preset: save_checkpoint(folder / f"{preset}.pt", Checkpoint.from_model(net, preset=preset))
        for preset, net in standins.items()
    }


@pytest.fixture(scope="session")
def exported(checkpoints: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Callable[[str, str], Path]:
    """(preset, io) -> the stand-in exported by `stylebridge export --io io` (validated, parity checked), once."""
    folder = tmp_path_factory.mktemp("exports")
    made: dict[tuple[str, str], Path] = {}

    def get(preset: str, io: str) -> Path:
        if (preset, io) not in made:
            made[preset, io] = export_onnx(checkpoints[preset], folder / f"{preset}-{io}.onnx", io_mode=io).files.onnx
        return made[preset, io]

    return get


@pytest.fixture(scope="session")
def onnx_graph(exported: Callable[[str, str], Path]) -> Callable[[str, str], OnnxGraph]:
    made: dict[tuple[str, str], OnnxGraph] = {}

    def get(preset: str, io: str) -> OnnxGraph:
        if (preset, io) not in made:
            made[preset, io] = OnnxGraph(exported(preset, io), "cpu")
        return made[preset, io]

    return get
