"""The fault table: every fault and pair injected into a real model's output, then diagnosed.

For each model family (TransformerNet and the few-shot generator, as stand-ins) and each export
contract (`--io unit`, `--io raw`), each fault is injected through the emulator with realistic
noise (the engine's float results differ slightly from PyTorch's, so some values round to the
next 8-bit level), the diagnosis runs on the noisy picture, and the table says at which rank the
right answer came, the margin of the winner over the runner-up, and the verdict. A fault whose
picture is indistinguishable from PyTorch's for that model (within 8-bit noise) is expected to
give "matches": there is nothing to diagnose.

    python -m pipeline.diagnosis.table [--pairs all|some|none] [--size 70x42] [--onnx DIR]
    python -m pipeline.diagnosis.table --timing [--device cpu|cuda]   (a 960x540 frame, timed)
"""

from __future__ import annotations

import argparse
import itertools
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from pipeline.core.contract import RANGES, image_to_unit_tensor
from pipeline.core.synthetic import game_frame
from pipeline.diagnosis.diagnose import Diagnoser, Diagnosis, diagnose, is_match
from pipeline.diagnosis.emulator import engine_input, engine_output, quantize, to_image
from pipeline.diagnosis.faults import Fault, candidate_faults, combinable, settings_of
from pipeline.diagnosis.graphs import Graph, OnnxGraph, TorchGraph
from pipeline.diagnosis.standins import overflowing_in_half, standin_model
from pipeline.export.exporter import export_onnx
from pipeline.inference.device import resolve_device
from pipeline.models import StyleNet
from pipeline.models.checkpoint import Checkpoint, save_checkpoint

FAMILIES = ("tiny", "fewshot-small")
NOISE = 0.35 / 255  # the spread of the engine's float differences from PyTorch's, before 8-bit rounding
FRAME_SEED = 11


def inject(
    graph: Graph, image: np.ndarray, faults: tuple[Fault, ...], rng: np.random.Generator, noise: float = NOISE
) -> np.ndarray:
    """The engine's picture of `image` under `faults`, with Gaussian noise on the model's output.

    The noise stands for the engine's float differences from PyTorch inside the network, so it is
    added to the model's output (in units of [0, 1]) and kept within the range that output spans
    (its last op, a Clip or a tanh, bounds the engine's values too)."""
    settings = settings_of(faults)
    x, fit = engine_input(image_to_unit_tensor(image, graph.device), settings, graph.contract)
    y = graph.run(x, half=settings.half)
    scale = RANGES[graph.contract.output_range][0]
    jitter = torch.from_numpy(rng.normal(0.0, noise * scale, y.shape).astype(np.float32)).to(y.device)
    finite = y[torch.isfinite(y)]  # (a float16 overflow leaves inf and NaN, which stay as they are)
    noisy = (y + jitter).clamp(float(finite.min()), float(finite.max())) if finite.numel() else y
    unit = engine_output(noisy, settings, graph.contract, fit)
    return to_image(quantize(unit, settings.clamp))


def rank_of(diagnosis: Diagnosis, faults: tuple[Fault, ...]) -> tuple[int | None, str]:
    """1-based rank of the explanation made of `faults` (in any order), or of the one that draws the identical
    picture (then also that one's name); (None, "") if absent."""
    wanted = {f.name for f in faults}
    for rank, explanation in enumerate(diagnosis.explanations, start=1):
        if wanted == {f.name for f in explanation.candidate.faults}:
            return rank, ""
        if any(wanted == set(name.split(" + ")) for name in explanation.same_picture):
            return rank, explanation.candidate.name
    return None, ""


@dataclass
class Row:
    model: str
    io: str
    injected: str
    expected: str  # "first" or "matches" (the fault changes nothing visible for this model)
    verdict: str
    rank: int | None
    same_as: str  # the explanation at `rank` is named so: it draws the same picture as the injected faults
    margin_db: float | None  # winner's fit over the runner-up's (negative: by how much the right answer lost)
    as_is_db: float
    best_db: float | None

    @property
    def ok(self) -> bool:
        if self.expected == "matches":
            return self.verdict == "matches"
        return self.rank == 1 and self.verdict != "matches"

    def line(self) -> str:
        rank = "-" if self.rank is None else str(self.rank) + (f" (as {self.same_as})" if self.same_as else "")
        margin = "-" if self.margin_db is None else f"{self.margin_db:.1f}"
        best = "-" if self.best_db is None else f"{self.best_db:.1f}"
        mark = "ok" if self.ok else "WRONG"
        return (
            f"| {self.model} | {self.io} | {self.injected} | {self.expected} | {self.verdict} | {rank} | {margin} "
            f"| {self.as_is_db:.1f} | {best} | {mark} |"
        )


HEADER = (
    "| model | io | injected | expected | verdict | rank | margin dB | as is dB | best dB | |\n"
    "|---|---|---|---|---|---|---|---|---|---|"
)


def evaluate(
    diagnoser: Diagnoser, graph: Graph, faults: tuple[Fault, ...], rng: np.random.Generator, model: str, io: str
) -> Row:
    """Inject `faults` (with noise), diagnose, and say how the right answer fared.

    The right answer is the injected faults, or an explanation whose picture is the same within
    8-bit noise: no engine output can tell them apart (a [0, 255] output read as [0, 1] or as
    [-1, 1] is white either way; a flip of a black picture is the black picture)."""
    image = diagnoser.image
    engine = inject(graph, image, faults, rng)
    clean = diagnoser.picture(faults)
    expected = "matches" if is_match(clean, to_image(diagnoser.pytorch)) else "first"
    diagnosis = diagnoser.diagnose(engine)
    rank, same_as = rank_of(diagnosis, faults)
    better = diagnosis.explanations[: rank - 1] if rank else diagnosis.explanations
    for index, explanation in enumerate(better):
        if is_match(diagnoser.picture(explanation.candidate.faults), clean):
            rank, same_as = index + 1, explanation.candidate.name
            break
    margin = diagnosis.margin_db
    if rank is not None and rank > 1:
        margin = diagnosis.explanations[rank - 1].shown_fit - diagnosis.explanations[0].shown_fit
    best = diagnosis.best.psnr if diagnosis.best else None
    name = " + ".join(f.name for f in faults)
    return Row(model, io, name, expected, diagnosis.verdict, rank, same_as, margin, diagnosis.as_is["psnr"], best)


def fault_sets(singles: list[Fault], pairs: str, rng: np.random.Generator) -> Iterator[tuple[Fault, ...]]:
    """Every single fault, then every pair ('all'), one pair per fault kind ('some'), or none."""
    yield from ((fault,) for fault in singles)
    every = [(a, b) for a, b in itertools.combinations(singles, 2) if combinable(a, b)]
    if pairs == "all":
        yield from every
    elif pairs == "some":
        seen: set[str] = set()
        for index in rng.permutation(len(every)):
            a, b = every[index]
            if a.kind not in seen or b.kind not in seen:
                seen.update((a.kind, b.kind))
                yield (a, b)


def graphs_for(net: StyleNet, preset: str, onnx_dir: Path | None) -> Iterator[tuple[str, Graph, Graph]]:
    """(io, graph to inject with, graph to diagnose with) for both export contracts; with `onnx_dir`,
    the diagnosis runs the real exported .onnx (ONNX Runtime) while injection runs PyTorch."""
    for io in ("unit", "raw"):
        torch_graph = TorchGraph(net, io, name=f"{preset} (--io {io})")
        if onnx_dir is None:
            yield io, torch_graph, torch_graph
            continue
        checkpoint = save_checkpoint(onnx_dir / f"{preset}.pt", Checkpoint.from_model(net, preset=preset))
        exported = export_onnx(checkpoint, onnx_dir / f"{preset}-{io}.onnx", io_mode=io)
        yield io, torch_graph, OnnxGraph(exported.files.onnx, "cpu")


def run_table(size: tuple[int, int], pairs: str, onnx_dir: Path | None, seed: int = 0) -> list[Row]:
    """All rows of the table (logs progress; prints nothing)."""
    image = game_frame(np.random.default_rng(FRAME_SEED), *size)
    rows = []
    for preset in FAMILIES:
        for io, injector, graph in graphs_for(standin_model(preset), preset, onnx_dir):
            rng = np.random.default_rng(seed)
            start = time.perf_counter()
            diagnoser = Diagnoser(graph, image)
            singles = candidate_faults(graph.contract, size, graph.static_size)
            cases = [
                evaluate(diagnoser, injector, faults, rng, preset, io) for faults in fault_sets(singles, pairs, rng)
            ]
            rows += cases
            logging.info("%s --io %s: %d cases in %.1f s", preset, io, len(cases), time.perf_counter() - start)
        overflow = overflowing_in_half(standin_model(preset))
        for io, injector, graph in graphs_for(overflow, f"{preset}-overflow", onnx_dir):
            fp16 = next(f for f in candidate_faults(graph.contract, size) if f.kind == "fp16")
            diagnoser = Diagnoser(graph, image)
            rows.append(evaluate(diagnoser, injector, (fp16,), np.random.default_rng(seed), f"{preset}-overflow", io))
    return rows


def run_timing(size: tuple[int, int] = (960, 540), device: str = "auto") -> str:
    """Time diagnoses of one frame against the baseline of one model run of it (what COMPARE already costs)."""
    target = resolve_device(device)
    image = game_frame(np.random.default_rng(FRAME_SEED), *size)
    graph = TorchGraph(standin_model("tiny"), "unit", target, name="tiny (--io unit)")
    unit = image_to_unit_tensor(image, graph.device)
    graph.run(unit)  # warm-up
    start = time.perf_counter()
    graph.run(unit)
    if target.type == "cuda":
        torch.cuda.synchronize()
    one_run = time.perf_counter() - start
    rng = np.random.default_rng(0)
    fault = next(f for f in candidate_faults(graph.contract, size) if f.kind == "input_linear")
    lines = [f"{size[0]}x{size[1]} frame, tiny TransformerNet (--io unit) on {target}; one model run {one_run:.3f} s"]
    for what, faults, pairs in (("matching engine", (), True), ("input_linear, singles", (fault,), False),
                                ("input_linear, singles and pairs", (fault,), True)):  # fmt: skip
        result = diagnose(graph, image, inject(graph, image, faults, rng), pairs=pairs)
        seconds = result.timing["seconds"]
        lines.append(
            f"{what}: {result.verdict}, {seconds:.2f} s = {seconds / one_run:.1f} model runs' time, "
            f"{result.timing['model_runs']} runs, {result.timing['candidates']} candidates; {result.search['note']}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.diagnosis.table", description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="70x42", help="frame WIDTHxHEIGHT (not multiples of 4 or 8, on purpose)")
    parser.add_argument("--pairs", choices=("all", "some", "none"), default="some")
    parser.add_argument("--onnx", type=Path, metavar="DIR", help="export the stand-ins here and diagnose the .onnx")
    parser.add_argument("--timing", action="store_true", help="time diagnoses of one 960x540 frame instead")
    parser.add_argument("--device", default="auto", help="for --timing: auto, cpu or cuda")
    args = parser.parse_args(argv)
    if args.timing:
        print(run_timing(device=args.device))
        return 0
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    width, height = (int(v) for v in args.size.split("x"))
    if args.onnx:
        args.onnx.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    rows = run_table((width, height), args.pairs, args.onnx)
    print(HEADER)
    for row in rows:
        print(row.line())
    wrong = [row for row in rows if not row.ok]
    print(f"\n{len(rows) - len(wrong)}/{len(rows)} as expected, {time.perf_counter() - start:.0f} s")
    return 1 if wrong else 0


if __name__ == "__main__":
    raise SystemExit(main())
