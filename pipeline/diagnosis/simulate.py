"""Every candidate explanation's picture for one frame, with as few model runs as possible.

A candidate is a tuple of faults (none: the correct path; one; or a pair). Candidates that feed
the model the same tensor share one model run, and model inputs of one size run as one batch, so
a search over every single fault and every pair costs one run per distinct input, not per candidate.

Each picture comes with the darkest and brightest pictures the candidate draws when the model's
output drifts by DRIFT_LEVELS, the way the engine's float results differ from PyTorch's. Most
candidates pass that drift on unchanged (a level at most), but an output-side fault can amplify it:
a [0, 255] output read as [0, 1] multiplies it by 255 for the values that land inside [0, 1], so
there the engine's picture is not predictable to 8 bits, only to within those bounds.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from itertools import combinations

import numpy as np
import torch

from pipeline.core.contract import image_to_unit_tensor
from pipeline.diagnosis.emulator import Fit, engine_input, engine_output, quantize
from pipeline.diagnosis.faults import EngineSettings, Fault, combinable, settings_of
from pipeline.diagnosis.graphs import Graph

BATCH_PIXELS = 8_000_000  # model inputs per batch, in pixels
# How far the engine's float output may drift from PyTorch's, in 8-bit levels of the model's output range. fp32
# backends differ by 1e-4 to 1e-5 relative (Barracuda's maintainers, notes/barracuda.md §4); half-float activations
# and the table's injected noise (sigma 0.35 levels) by more. One level covers both with room to spare.
DRIFT_LEVELS = 1.0


@dataclass(frozen=True)
class Candidate:
    """No fault (the correct path), one fault, or a pair: one explanation of the engine's picture."""

    faults: tuple[Fault, ...]

    @property
    def name(self) -> str:
        return " + ".join(f.name for f in self.faults) or "as is"

    @property
    def label(self) -> str:
        return " and ".join(f.label for f in self.faults) or "the correct engine path (PyTorch's output)"

    @property
    def fix(self) -> str:
        if len(self.faults) == 1:
            return self.faults[0].fix
        return " ".join(f"({i}) {f.fix}" for i, f in enumerate(self.faults, start=1))

    @property
    def settings(self) -> EngineSettings:
        return settings_of(self.faults)


AS_IS = Candidate(())


@dataclass(frozen=True)
class Drawn:
    """A candidate's picture, and the lowest and highest value of each pixel it draws when the model's
    output drifts by DRIFT_LEVELS either way (all uint8 (1, 3, H, W))."""

    picture: torch.Tensor
    low: torch.Tensor
    high: torch.Tensor


def pairs_of(singles: list[Candidate]) -> list[Candidate]:
    """Each pair of single faults that change different settings."""
    return [
        Candidate((a.faults[0], b.faults[0]))
        for a, b in combinations(singles, 2)
        if combinable(a.faults[0], b.faults[0])
    ]


def rescaled(settings: EngineSettings, sx: float, sy: float, multiple: int) -> EngineSettings:
    """Settings for a frame scaled by (sx, sy): a stretch target scales with it (snapped to the multiple)."""
    if settings.fit[0] != "stretch":
        return settings
    _, width, height = settings.fit
    width, height = (max(multiple, round(v * s / multiple) * multiple) for v, s in ((width, sx), (height, sy)))
    return replace(settings, fit=("stretch", width, height))


class Simulator:
    """Pictures of candidates for one frame, at the engine's display size (H, W).

    `scale` (sx, sy) says how this frame relates to the frame the candidates were written for (a
    downscaled sample has scale < 1), so stretch targets follow.
    """

    def __init__(
        self,
        graph: Graph,
        image: np.ndarray,
        display: tuple[int, int],
        scale: tuple[float, float] = (1.0, 1.0),
    ) -> None:
        self.graph = graph
        self.frame = image_to_unit_tensor(image, graph.device)
        self.display = display
        self.scale = scale
        self.runs = 0  # model runs so far (one per distinct input)

    def settings(self, candidate: Candidate) -> EngineSettings:
        return rescaled(candidate.settings, *self.scale, self.graph.contract.size_multiple)

    def pictures(self, wanted: Iterable[Candidate]) -> Iterator[tuple[Candidate, Drawn]]:
        """(candidate, its picture and drift bounds) for each wanted candidate, grouped by model input."""
        groups: dict[EngineSettings, list[Candidate]] = defaultdict(list)
        for candidate in wanted:
            groups[self.settings(candidate).input_side()].append(candidate)
        inputs = {key: engine_input(self.frame, key, self.graph.contract) for key in groups}
        batches: dict[tuple[tuple[int, ...], bool], list[EngineSettings]] = defaultdict(list)
        for key, (x, _) in inputs.items():
            batches[(tuple(x.shape), key.half)].append(key)
        for (shape, half), keys in batches.items():
            per_batch = max(1, BATCH_PIXELS // (shape[-1] * shape[-2]))
            for start in range(0, len(keys), per_batch):
                chunk = keys[start : start + per_batch]
                outputs = self.graph.run(torch.cat([inputs[key][0] for key in chunk]), half=half)
                self.runs += len(chunk)
                for key, y in zip(chunk, outputs, strict=True):
                    for candidate in groups[key]:
                        yield candidate, self._draw(y[None], self.settings(candidate), inputs[key][1])

    def _draw(self, y: torch.Tensor, settings: EngineSettings, fit: Fit) -> Drawn:
        drift = DRIFT_LEVELS / 255 * self.graph.contract.output_scale
        low, picture, high = (
            quantize(engine_output(y + shift, settings, self.graph.contract, fit, self.display), settings.clamp)
            for shift in (-drift, 0.0, drift)
        )
        if settings.clamp:  # every output step is monotonic: the ends bound each pixel
            return Drawn(picture, low, high)
        drawn = torch.stack([low, picture, high])  # (unclamped values wrap around in 8 bits)
        return Drawn(picture, drawn.amin(0), drawn.amax(0))

    def picture(self, candidate: Candidate) -> Drawn:
        return next(self.pictures([candidate]))[1]
