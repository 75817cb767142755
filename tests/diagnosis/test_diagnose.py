"""The diagnosis names every fault injected into a real model's output, and pairs as pairs; noise is not a fault."""

from __future__ import annotations

import json
from collections.abc import Callable

import numpy as np
import pytest
import torch

from pipeline.core.contract import image_to_unit_tensor
from pipeline.diagnosis.diagnose import Diagnoser, diagnose
from pipeline.diagnosis.emulator import engine_input, engine_output, quantize, to_image
from pipeline.diagnosis.faults import EngineSettings, Fault, candidate_faults, output_range_fault
from pipeline.diagnosis.graphs import Graph, OnnxGraph, TorchGraph
from pipeline.diagnosis.simulate import AS_IS, Candidate
from pipeline.diagnosis.standins import standin_model
from pipeline.diagnosis.table import FAMILIES, Row, evaluate, inject
from pipeline.export.exporter import IO_MODES

# Faults that change nothing visible for these models: TransformerNet normalises its first layer's output
# (InstanceNorm), which divides out any input scale and offset; float16 stays within 8-bit noise for models
# whose activations fit its range; an --io unit graph clamps its output itself, and tanh keeps the few-shot
# generator's output in range. The engine output then matches PyTorch's, and "matches" is the right answer.
NO_VISIBLE_EFFECT = {
    ("tiny", "unit"): {"input_range:0_255->0_1", "input_range:-1_1->0_1", "fp16", "no_clamp"},
    ("tiny", "raw"): {"input_range:0_1->0_255", "input_range:-1_1->0_255", "fp16"},
    ("fewshot-small", "unit"): {"fp16", "no_clamp"},
    ("fewshot-small", "raw"): {"fp16", "no_clamp"},
}
PAIRS = [
    ("input_flip", "output_flip"),  # flipped on the way in and out: upright, but not PyTorch's strokes
    ("input_linear", "output_srgb_twice"),  # a Linear project without any conversion
    ("input_bgr", "output_bgr"),
    ("input_flip", "input_linear"),
    ("output_flip", "stretch:40x40"),
    ("input_average", "zero_pad"),
]


def _check(rows: list[Row], no_effect: set[str]) -> None:
    wrong = [row.line() for row in rows if not row.ok]
    assert not wrong, "\n".join(wrong)
    assert {row.injected for row in rows if row.expected == "matches"} == no_effect


def _faults(graph: Graph, frame: np.ndarray) -> dict[str, Fault]:
    return {f.name: f for f in candidate_faults(graph.contract, (frame.shape[1], frame.shape[0]))}


@pytest.mark.parametrize("io", IO_MODES)
@pytest.mark.parametrize("preset", FAMILIES)
def test_every_fault_is_named_first(
    preset: str, io: str, torch_diagnoser: Callable[[str, str], tuple[Graph, Diagnoser]], frame: np.ndarray
) -> None:
    graph, diagnoser = torch_diagnoser(preset, io)
    rng = np.random.default_rng(0)
    rows = [evaluate(diagnoser, graph, (fault,), rng, preset, io) for fault in _faults(graph, frame).values()]
    _check(rows, NO_VISIBLE_EFFECT[preset, io])
    assert all(row.margin_db >= 3 for row in rows if row.expected == "first")  # a clear winner
    # ... that reproduces the engine's picture, even where the fault amplifies the engine's float drift 255 times
    assert [row.line() for row in rows if row.expected == "first" and row.verdict != "explained"] == []


@pytest.mark.parametrize("io", IO_MODES)
@pytest.mark.parametrize("preset", FAMILIES)
def test_pairs_of_faults_are_named_as_the_pair(
    preset: str, io: str, torch_diagnoser: Callable[[str, str], tuple[Graph, Diagnoser]], frame: np.ndarray
) -> None:
    graph, diagnoser = torch_diagnoser(preset, io)
    faults = _faults(graph, frame)
    ranges = [f for f in faults.values() if f.kind in ("input_range", "output_range")]
    pairs = [(faults[a], faults[b]) for a, b in PAIRS] + [(ranges[-1], faults["output_flip"])]
    rng = np.random.default_rng(1)
    rows = [evaluate(diagnoser, graph, pair, rng, preset, io) for pair in pairs]
    _check(rows, set())


@pytest.mark.slow
@pytest.mark.parametrize("io", IO_MODES)
@pytest.mark.parametrize("preset", FAMILIES)
def test_exported_models_are_diagnosed_through_onnx_runtime(
    preset: str, io: str, onnx_graph: Callable[[str, str], OnnxGraph], frame: np.ndarray
) -> None:
    """The engine's output made by PyTorch, diagnosed by running the real --io unit / --io raw export."""
    graph = onnx_graph(preset, io)
    assert graph.contract.input_range == ("0_1" if io == "unit" else graph.contract.output_range)
    injector = TorchGraph(standin_model(preset), io)
    diagnoser = Diagnoser(graph, frame, pairs=False)
    rng = np.random.default_rng(2)
    rows = [evaluate(diagnoser, injector, (fault,), rng, preset, io) for fault in _faults(graph, frame).values()]
    _check(rows, NO_VISIBLE_EFFECT[preset, io])


def test_drift_bounds_are_wide_only_where_a_fault_amplifies_the_output(
    torch_diagnoser: Callable[[str, str], tuple[Graph, Diagnoser]],
) -> None:
    _, diagnoser = torch_diagnoser("tiny", "raw")
    as_is = diagnoser.full.picture(AS_IS)
    assert int((as_is.high.int() - as_is.low.int()).max()) <= 2  # a level either way, rounded
    white = diagnoser.full.picture(Candidate((output_range_fault("0_255", "0_1"),)))  # x255 for outputs in [0, 1]
    spread = white.high.int() - white.low.int()
    assert int(spread.max()) > 100 and 0 < float((spread > 2).double().mean()) < 0.05
    assert bool((white.low <= white.picture).all() and (white.picture <= white.high).all())


def test_no_pair_is_offered_when_one_fault_reproduces_the_engine(
    torch_diagnoser: Callable[[str, str], tuple[Graph, Diagnoser]], frame: np.ndarray
) -> None:
    """Read as [-1, 1] and shown as linear, a [0, 255] output draws nearly what reading it as [0, 1] draws; with
    the engine's drift amplified 255 times that pair reproduces the engine too, but the single fault suffices."""
    graph, diagnoser = torch_diagnoser("tiny", "raw")
    white = output_range_fault("0_255", "0_1")
    result = diagnoser.diagnose(inject(graph, frame, (white,), np.random.default_rng(0)))
    assert result.verdict == "explained" and result.best.candidate.name == white.name
    assert [e.candidate.name for e in result.explanations if len(e.candidate.faults) > 1] == []
    assert result.timing["candidates"] <= len(diagnoser.singles)  # pairs were not even run
    # read as [-1, 1] nearly reproduces the engine too (the same fix): the margin says the two are close
    assert result.margin_db > 3 and "output_range:0_255->-1_1" in result.summary


def _float_output(graph: Graph, frame: np.ndarray, settings: EngineSettings) -> torch.Tensor:
    x, fit = engine_input(image_to_unit_tensor(frame), settings, graph.contract)
    return engine_output(graph.run(x, half=settings.half), settings, graph.contract, fit)


@pytest.mark.parametrize("preset", FAMILIES)
def test_realistic_noise_is_not_diagnosed_as_a_fault(
    preset: str, torch_diagnoser: Callable[[str, str], tuple[Graph, Diagnoser]], frame: np.ndarray
) -> None:
    graph, diagnoser = torch_diagnoser(preset, "unit")
    rng = np.random.default_rng(3)
    exact = _float_output(graph, frame, EngineSettings())
    noisy = {
        "float differences, rounded": inject(graph, frame, (), rng, noise=0.6 / 255),
        "half-float output texture": to_image(quantize(exact.half().float())),
        "weights and activations in half": to_image(quantize(_float_output(graph, frame, EngineSettings(half=True)))),
    }
    for what, engine in noisy.items():
        result = diagnoser.diagnose(engine)
        assert result.verdict == "matches", f"{what}: {result.summary}"
        assert result.explanations == [] and result.fix is None


def test_what_no_fault_explains_is_located(
    torch_diagnoser: Callable[[str, str], tuple[Graph, Diagnoser]], frame: np.ndarray
) -> None:
    _, diagnoser = torch_diagnoser("fewshot-small", "unit")
    pytorch = to_image(diagnoser.pytorch)
    overlay = pytorch.copy()
    overlay[5:20, 40:62] = (255, 255, 255)  # a UI panel drawn over the output
    result = diagnoser.diagnose(overlay)
    assert result.verdict == "unexplained" and result.pattern.kind == "region"
    assert result.fix is None and "unexplained" in result.summary and "region" in result.summary
    tinted = pytorch.copy()
    tinted[..., 2] = np.clip(tinted[..., 2].astype(int) + 60, 0, 255)
    result = diagnoser.diagnose(tinted)
    assert result.verdict == "unexplained" and result.pattern.kind == "one_channel"


def test_a_diagnosis_says_why_in_one_line_and_in_json(
    torch_diagnoser: Callable[[str, str], tuple[Graph, Diagnoser]], frame: np.ndarray
) -> None:
    graph, diagnoser = torch_diagnoser("fewshot-small", "raw")
    seed_mixup = _faults(graph, frame)["input_range:0_255->-1_1"]  # the tutorial's x255 kernel before a [-1, 1] model
    result = diagnoser.diagnose(inject(graph, frame, (seed_mixup,), np.random.default_rng(4)))
    assert result.verdict == "explained" and result.best.candidate.name == seed_mixup.name
    assert result.summary.startswith("input fed as [0, 255] to a model that expects [-1, 1]: ")
    assert "dB as is" in result.summary and "Vector4.one * 2f, Vector4.one * -1f" in result.fix
    data = json.loads(json.dumps(result.to_dict()))
    assert data["verdict"] == "explained" and data["explanations"][0]["faults"] == [seed_mixup.name]
    assert data["margin_db"] > 10 and data["explanations"][0]["gain_db"] > 30
    assert data["timing"]["model_runs"] >= 0 and data["timing"]["seconds"] > 0 and data["search"]["sampled"] is False


def test_a_large_frame_on_a_cpu_is_searched_on_a_sample_and_confirmed_at_full_size() -> None:
    from pipeline.core.synthetic import game_frame

    frame = game_frame(np.random.default_rng(5), 406, 230)
    graph = TorchGraph(standin_model("tiny"), "unit")
    fault = next(f for f in candidate_faults(graph.contract, (406, 230)) if f.name == "input_bgr")
    result = diagnose(graph, frame, inject(graph, frame, (fault,), np.random.default_rng(6)), pairs=False)
    assert result.search["sampled"] and "downscaled sample" in result.search["note"]
    assert result.search["sample_size"][0] % 8 == 406 % 8 and result.search["sample_size"][1] % 8 == 230 % 8
    assert result.verdict == "explained" and result.best.candidate.name == "input_bgr" and result.best.exact
    assert all(e.exact for e in result.explanations[:3]) and not result.explanations[-1].exact
