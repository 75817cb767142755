"""Why the engine's output differs from PyTorch's: simulate every fault and pair of faults, score, explain.

Given the model the engine runs, the frame it was given and the picture it produced:

1. PyTorch's own output (the correct engine path) is compared with the engine's. Within 8-bit
   noise (`is_match`), the verdict is "matches" and nothing else runs.
2. Otherwise every single fault (`faults.candidate_faults`) and every pair is simulated and scored
   against the engine's picture with the PSNR of PROTOCOL.md (shown to people), and ranked by its
   fit: the same PSNR once the differences that the engine's float drift can cause in that
   candidate's picture are forgiven (`simulate.Drawn`). The two differ only where a fault amplifies
   the drift (a [0, 255] output read as [0, 1]: 255 times); there the plain PSNR is decided by
   noise, and a wrong candidate whose picture lies between the right one's extremes can score higher.
   A fault that changes nothing for this frame cannot explain anything alone (it still pairs);
   candidates that draw the identical picture are merged; a pair is kept only when its fit beats
   both of its faults' by PAIR_GAIN_DB and no single fault already reproduces the engine's picture
   (the simpler explanation wins: with the engine's drift amplified, a pair can reproduce it too).
3. The best candidate "explains" the engine when it reproduces the engine's picture within 8-bit
   noise, drift included; it is "likely" when its PSNR gains LIKELY_GAIN_DB over PyTorch's output
   without that; else the verdict is "unexplained" and the spatial pattern of the error is described.

On a GPU the search runs at full size. On a CPU, frames over CPU_FULL_PIXELS are searched on a
downscaled sample (sizes keep their remainders modulo 8, so padding and cropping faults still
show), and the best CONFIRM candidates are then re-scored at full size: every score a verdict rests
on is exact, and the diagnosis says which were sampled.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch.nn import functional as F

from pipeline.core.metrics import compare_images, psnr, psnr_from_mse, ssim
from pipeline.diagnosis.emulator import to_image
from pipeline.diagnosis.faults import Fault, candidate_faults
from pipeline.diagnosis.graphs import Graph
from pipeline.diagnosis.pattern import ErrorPattern, error_pattern
from pipeline.diagnosis.simulate import AS_IS, Candidate, Drawn, Simulator, pairs_of

log = logging.getLogger(__name__)

MATCH_PSNR_DB = 40.0  # 8-bit rounding alone gives about 48-59 dB, half precision about 45-55 dB
MATCH_LEVELS = 6  # ... and leaves no more than MATCH_OUTLIERS of the values off by more than 6/255
MATCH_OUTLIERS = 0.001
PAIR_GAIN_DB = 1.0
LIKELY_GAIN_DB = 6.0  # a quarter of the squared error explained away
CONFIRM = 3
SSIM_ROWS = 3
FIT_CAP_DB = psnr_from_mse(1 / 255**2)  # 48.13: a 1/255 difference everywhere, the floor of 8-bit noise
CPU_FULL_PIXELS = 320 * 200
SAMPLE_PIXELS = 320 * 180


def as_float(picture: torch.Tensor | np.ndarray) -> np.ndarray:
    """uint8 picture (tensor (1, 3, H, W) or array (H, W, 3)) -> float (H, W, 3) in [0, 1]."""
    image = to_image(picture) if isinstance(picture, torch.Tensor) else picture
    return image.astype(np.float32) / 255.0


def is_match(ours: np.ndarray, theirs: np.ndarray) -> bool:
    """Two uint8 (H, W, 3) pictures agree within 8-bit noise."""
    diff = np.abs(ours.astype(np.int16) - theirs.astype(np.int16))
    return _within_noise(float(np.mean((diff / 255.0) ** 2)), float(np.mean(diff > MATCH_LEVELS)))


def reproduces(drawn: Drawn, target: torch.Tensor) -> tuple[float, bool]:
    """How well a candidate's drawn picture fits the engine's (`target`: float (1, 3, H, W) in 0..255 levels): the
    PSNR of the distance from each engine value to the candidate's drift bounds, and whether it is within noise."""
    target = target.float()  # (levels are exact in float32)
    distance = (drawn.low.float() - target).clamp_(min=0) + (target - drawn.high.float()).clamp_(min=0)
    mse = float(distance.square().mean(dtype=torch.float64)) / 255.0**2
    return round(psnr_from_mse(mse), 4), _within_noise(mse, float((distance > MATCH_LEVELS).float().mean()))


def _within_noise(mse: float, outliers: float) -> bool:
    """mse: of the difference on [0, 1]; outliers: the share of values off by more than MATCH_LEVELS/255."""
    return psnr_from_mse(mse) >= MATCH_PSNR_DB and outliers <= MATCH_OUTLIERS


@dataclass
class Explanation:
    candidate: Candidate
    psnr: float  # dB against the engine's picture
    fit: float  # dB, the PSNR with the engine's float drift forgiven: ranks the explanations
    reproduces: bool  # the engine's picture is this candidate's within 8-bit noise (drift included)
    ssim: float | None = None
    exact: bool = True  # scored at full size (False: on the downscaled sample only)
    same_picture: list[str] = field(default_factory=list)  # other candidates that draw the identical picture
    # (the best only) explanations ranked next that the engine's picture cannot tell from this one: their pictures
    # match this one's within 8-bit noise, or they reproduce the engine's picture as well
    alike: list[str] = field(default_factory=list)

    @property
    def shown_fit(self) -> float:
        """The fit as reported: at most FIT_CAP_DB, as any better fit is as good as 8-bit noise allows."""
        return min(self.fit, FIT_CAP_DB)

    def to_dict(self, as_is_psnr: float) -> dict[str, Any]:
        return {
            "faults": [f.name for f in self.candidate.faults],
            "name": self.candidate.name,
            "label": self.candidate.label,
            "psnr": round(self.psnr, 2),
            "fit_db": round(self.shown_fit, 2),
            "reproduces": self.reproduces,
            "ssim": None if self.ssim is None else round(self.ssim, 4),
            "gain_db": round(self.psnr - as_is_psnr, 2),
            "exact": self.exact,
            "same_picture": self.same_picture,
            "alike": self.alike,
            "fix": self.candidate.fix,
        }


@dataclass
class Diagnosis:
    verdict: str  # matches | explained | likely | unexplained
    summary: str  # one line for people
    model: str
    contract: dict[str, Any]
    frame_size: tuple[int, int]  # (W, H)
    engine_size: tuple[int, int]
    as_is: dict[str, float]  # compare_images(PyTorch's output, the engine's)
    explanations: list[Explanation]
    margin_db: float | None  # the best's shown fit over the first runner-up's that is not alike
    fix: str | None
    pattern: ErrorPattern | None  # where the unexplained error sits
    search: dict[str, Any]
    timing: dict[str, Any]
    images: dict[str, np.ndarray] = field(default_factory=dict, repr=False)  # input, pytorch, engine, best

    @property
    def best(self) -> Explanation | None:
        return self.explanations[0] if self.explanations else None

    def to_dict(self, rows: int = 10) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "summary": self.summary,
            "model": self.model,
            "contract": self.contract,
            "frame_size": list(self.frame_size),
            "engine_size": list(self.engine_size),
            "as_is": self.as_is,
            "explanations": [e.to_dict(self.as_is["psnr"]) for e in self.explanations[:rows]],
            "margin_db": None if self.margin_db is None else round(self.margin_db, 2),
            "fix": self.fix,
            "pattern": None if self.pattern is None else self.pattern.to_dict(),
            "search": self.search,
            "timing": self.timing,
        }


def _size(image: np.ndarray) -> tuple[int, int]:
    return image.shape[1], image.shape[0]


def _resample(image: np.ndarray, size: tuple[int, int]) -> torch.Tensor:
    """uint8 (H, W, 3) -> float (1, 3, h, w) in 0..255, area-averaged to `size` (h, w)."""
    x = torch.from_numpy(np.ascontiguousarray(image)).permute(2, 0, 1)[None].double()
    return x if tuple(x.shape[-2:]) == size else F.adaptive_avg_pool2d(x, size)


def sample_size(width: int, height: int, budget: int = SAMPLE_PIXELS) -> tuple[int, int]:
    """A downscaled (W, H) of about `budget` pixels whose sides keep their remainders modulo 8."""
    k = math.sqrt(width * height / budget)
    return (8 * int(width / k / 8) + width % 8, 8 * int(height / k / 8) + height % 8)


class _Scoreboard:
    """Candidates scored against the engine's picture (`target`, float (1, 3, H, W) levels) at the search scale.
    Candidates drawing the identical picture are merged: the first keeps the score and lists the others."""

    def __init__(self, target: torch.Tensor) -> None:
        self.target = target
        self.score: dict[Candidate, tuple[float, float, bool]] = {}  # every candidate: psnr, fit, reproduces
        self.distinct: dict[Candidate, list[str]] = {}  # first candidate per picture -> the others drawing it
        self._first_with: dict[float, Candidate] = {}
        generator = torch.Generator().manual_seed(0)
        self._weights = torch.rand(target.shape, generator=generator, dtype=torch.float64).to(target.device)

    def add(self, candidate: Candidate, drawn: Drawn) -> None:
        pixels = drawn.picture.double()
        fingerprint = float((pixels * self._weights).sum())  # equal pictures, equal sums
        first = self._first_with.get(fingerprint)
        if first is not None:
            self.score[candidate] = self.score[first]
            if first is not AS_IS:  # (a fault that draws PyTorch's picture changes nothing here)
                self.distinct[first].append(candidate.name)
            return
        self._first_with[fingerprint] = candidate
        self.score[candidate] = (_psnr(pixels, self.target), *reproduces(drawn, self.target))
        if candidate is not AS_IS:
            self.distinct[candidate] = []


class Diagnoser:
    """Diagnoses engine pictures of one frame. Simulated pictures are kept when they are small, so
    diagnosing several engine outputs of the same frame (a benchmark, the tests) costs the model runs once.

    `pytorch`, PyTorch's picture of the frame (uint8 (H, W, 3) at the engine's size) when the caller has
    made it already (the bridge's own output for a COMPARE), saves the model run that decides "matches".
    """

    def __init__(
        self,
        graph: Graph,
        image: np.ndarray,
        engine_size: tuple[int, int] | None = None,
        *,
        pairs: bool = True,
        sample: bool | None = None,
        keep_pictures_mb: float = 256.0,
        pytorch: np.ndarray | None = None,
    ) -> None:
        start = time.perf_counter()
        self.graph = graph
        self.image = image
        self.pairs = pairs
        width, height = _size(image)
        self.engine_size = engine_size or (width, height)
        self.full = Simulator(graph, image, (self.engine_size[1], self.engine_size[0]))
        if pytorch is None:
            self.pytorch = self.full.picture(AS_IS).picture
        elif _size(pytorch) != self.engine_size:
            raise ValueError(f"PyTorch's picture is {_size(pytorch)}, the engine's {self.engine_size}")
        else:
            self.pytorch = torch.from_numpy(np.ascontiguousarray(pytorch)).permute(2, 0, 1)[None].to(graph.device)
        self.singles = [Candidate((f,)) for f in candidate_faults(graph.contract, (width, height), graph.static_size)]
        if sample is None:
            sample = not _accelerated(graph) and width * height > CPU_FULL_PIXELS
        self.sampled = bool(sample)
        if self.sampled:
            sw, sh = sample_size(width, height)
            small = to_image(_resample(image, (sh, sw)).round().to(torch.uint8))
            ew, eh = self.engine_size
            display = (max(1, round(eh * sh / height)), max(1, round(ew * sw / width)))
            self.search = Simulator(graph, small, display, (sw / width, sh / height))
        else:
            self.search = self.full
        pixels = 3 * 3 * self.search.display[0] * self.search.display[1]  # (a picture and its two drift bounds)
        most = len(self.singles) ** 2 // 2 + len(self.singles) + 1
        self._cache: dict[Candidate, Drawn] | None = {} if pixels * most <= keep_pictures_mb * 2**20 else None
        self._visible: list[Candidate] | None = None  # the singles that change the picture visibly
        self._pictures: dict[Candidate, Drawn] = {}  # full-size pictures of the top candidates
        self.searched = 0  # candidates in the last search
        self._runs_counted = 0  # model runs already reported (the first diagnosis reports the set-up's too)
        self.setup_seconds = time.perf_counter() - start

    def _search_pytorch(self) -> torch.Tensor:
        """PyTorch's picture at the search scale (drawn when first needed: "matches" needs none)."""
        return next(iter(self._search_pictures([AS_IS])))[1].picture if self.sampled else self.pytorch

    def _search_pictures(self, wanted: list[Candidate]) -> Iterator[tuple[Candidate, Drawn]]:
        """Pictures at the search scale, from the cache when they are there (and kept when there is a cache)."""
        cache = self._cache
        if cache is None:
            yield from self.search.pictures(wanted)
            return
        missing = [c for c in wanted if c not in cache]
        for candidate, drawn in self.search.pictures(missing):
            cache[candidate] = drawn
        for candidate in wanted:
            yield candidate, cache[candidate]

    def _singles(self, board: _Scoreboard) -> None:
        """Score PyTorch's picture and each single fault. Which singles change the picture visibly (beyond 8-bit
        noise) is noted the first time: the others cannot explain anything alone, but they stay in pairs, where
        they can (no clamp after a range mismatch, half precision after a [0, 255] input)."""
        board.add(AS_IS, next(iter(self._search_pictures([AS_IS])))[1])
        as_is = to_image(self._search_pytorch())
        visible = []
        for candidate, drawn in self._search_pictures(self.singles):
            board.add(candidate, drawn)
            if self._visible is None and not is_match(to_image(drawn.picture), as_is):
                visible.append(candidate)
        if self._visible is None:
            self._visible = visible
        self.searched = len(self._visible)

    def picture(self, faults: tuple[Fault, ...]) -> np.ndarray:
        """The full-size picture the engine shows under `faults` (uint8 (H, W, 3)), from the cache when there."""
        candidate = Candidate(faults)
        return to_image(next(iter(self._full_pictures([candidate])))[1].picture)

    def _full_pictures(self, wanted: list[Candidate]) -> Iterable[tuple[Candidate, Drawn]]:
        if self._cache is None or self.sampled:
            return self.full.pictures(wanted)
        return self._search_pictures(wanted)

    def diagnose(self, engine: np.ndarray) -> Diagnosis:
        """Why `engine` (uint8 (H, W, 3), upright sRGB, the engine's picture of this frame) differs."""
        start = time.perf_counter()
        if _size(engine) != self.engine_size:
            raise ValueError(f"engine picture is {_size(engine)}, this diagnoser was built for {self.engine_size}")
        pytorch = to_image(self.pytorch)
        as_is = compare_images(as_float(pytorch), as_float(engine))
        images = {"input": self.image, "pytorch": pytorch, "engine": engine}
        if is_match(pytorch, engine):
            explanations: list[Explanation] = []
            verdict = "matches"
        else:
            explanations = self._rank(engine)
            verdict = self._verdict(explanations, engine, as_is["psnr"], images)
        best = explanations[0] if explanations else None
        runner_up = None
        if best is not None and verdict != "unexplained":  # (a margin between non-explanations means nothing)
            runner_up = next((e for e in explanations[1:] if e.candidate.name not in best.alike), None)
        margin = best.shown_fit - runner_up.shown_fit if best and runner_up else None
        pattern = None
        if verdict == "unexplained":
            pattern = error_pattern(pytorch, engine)
        elif verdict == "likely" and best is not None:
            pattern = error_pattern(images["best"], engine)  # (what the best leaves unexplained)
        total_runs = self.full.runs + (self.search.runs if self.search is not self.full else 0)
        runs, self._runs_counted = total_runs - self._runs_counted, total_runs
        seconds = time.perf_counter() - start + self.setup_seconds
        self.setup_seconds = 0.0  # counted once, with the first diagnosis
        return Diagnosis(
            verdict=verdict,
            summary=_summary(verdict, as_is, best, runner_up, pattern),
            model=self.graph.name,
            contract=self.graph.contract.to_dict(),
            frame_size=_size(self.image),
            engine_size=self.engine_size,
            as_is=as_is,
            explanations=explanations,
            margin_db=margin,
            fix=best.candidate.fix if best is not None and verdict in ("explained", "likely") else None,
            pattern=pattern,
            search=self._search_note(),
            timing={
                "seconds": round(seconds, 3),
                "model_runs": runs,
                "candidates": self.searched if verdict != "matches" else 0,
                "device": _device_name(self.graph),
            },
            images=images,
        )

    def _search_note(self) -> dict[str, Any]:
        if not self.sampled:
            return {"sampled": False, "note": "every candidate simulated and scored at full size"}
        h, w = self.search.frame.shape[-2:]
        return {
            "sampled": True,
            "sample_size": [int(w), int(h)],
            "note": (
                f"CPU: searched on a {w}x{h} downscaled sample of the frame; the best {CONFIRM} "
                "re-scored at full size (the others' scores are from the sample)"
            ),
        }

    def _rank(self, engine: np.ndarray) -> list[Explanation]:
        """Singles first, confirmed at full size; pairs only when no single reproduces the engine's picture (the
        simpler explanation wins, and the usual case, one fault, costs one model run per single fault)."""
        board = _Scoreboard(_resample(engine, self.search.display).to(self.graph.device))
        self._pictures = {}
        self._singles(board)
        ranked = self._kept(board)
        self._score_top(ranked, engine)
        if self.pairs and not any(e.reproduces for e in ranked):
            pairs = pairs_of(self.singles)
            self.searched += len(pairs)
            for candidate, drawn in self._search_pictures(pairs):
                board.add(candidate, drawn)
            ranked = self._kept(board)
            self._score_top(ranked, engine)
        return ranked

    def _kept(self, board: _Scoreboard) -> list[Explanation]:
        """The explanations worth showing, best fit first, with their search-scale scores."""
        score = board.score
        single = {c.faults[0]: c for c in score if len(c.faults) == 1}

        def needed(pair: Candidate) -> bool:  # a pair is an explanation of its own if it clearly beats its faults
            return score[pair][1] >= max(score[single[f]][1] for f in pair.faults) + PAIR_GAIN_DB

        kept = [c for c in board.distinct if (c in self._visible if len(c.faults) == 1 else needed(c))]
        kept.sort(key=lambda c: (-score[c][1], -score[c][0]))
        invisible = {c.name for c in self.singles if c not in self._visible}

        def telling(names: list[str]) -> list[str]:  # (X + a fault that changes nothing is X: not worth a mention)
            return [n for n in names if not invisible.intersection(n.split(" + "))]

        return [
            Explanation(c, *score[c], exact=not self.sampled, same_picture=telling(board.distinct[c])) for c in kept
        ]

    def _score_top(self, ranked: list[Explanation], engine: np.ndarray) -> None:
        """SSIM for the top rows; on a sample, exact scores for the best CONFIRM (re-ranked among themselves).
        Full-size pictures already drawn in this diagnosis are reused."""
        top = ranked[: CONFIRM if self.sampled else SSIM_ROWS]
        engine_unit = as_float(engine)
        engine_levels = torch.from_numpy(np.ascontiguousarray(engine)).permute(2, 0, 1)[None]
        missing = [e.candidate for e in top if e.candidate not in self._pictures]
        self._pictures.update(self._full_pictures(missing))
        for explanation in top:
            drawn = self._pictures[explanation.candidate]
            ours = as_float(drawn.picture)
            explanation.psnr = psnr(ours, engine_unit)
            explanation.fit, explanation.reproduces = reproduces(drawn, engine_levels.to(drawn.picture.device))
            explanation.ssim = ssim(ours, engine_unit)
            explanation.exact = True
        top.sort(key=lambda e: (-e.fit, -e.psnr))
        ranked[: len(top)] = top
        if top:
            best = to_image(self._pictures[top[0].candidate].picture)
            top[0].alike = [
                e.candidate.name
                for e in top[1:]
                if (top[0].reproduces and e.reproduces) or is_match(to_image(self._pictures[e.candidate].picture), best)
            ]

    def _verdict(self, ranked: list[Explanation], engine: np.ndarray, as_is_psnr: float, images: dict) -> str:
        if not ranked:
            return "unexplained"
        if ranked[0].reproduces:
            verdict = "explained"
        elif ranked[0].psnr >= as_is_psnr + LIKELY_GAIN_DB:
            verdict = "likely"
        else:
            return "unexplained"  # (the closest candidate explains nothing: no picture of it)
        images["best"] = to_image(self._pictures[ranked[0].candidate].picture)
        return verdict


def _psnr(picture: torch.Tensor, target: torch.Tensor) -> float:
    """PSNR of a picture against the engine's (both in 0..255 levels)."""
    return round(psnr_from_mse(float(((picture - target) / 255.0).pow(2).mean())), 4)


def _accelerated(graph: Graph) -> bool:
    if graph.device.type == "cuda":
        return True
    providers = getattr(getattr(graph, "session", None), "get_providers", lambda: [])()
    return any(p in providers for p in ("CUDAExecutionProvider", "TensorrtExecutionProvider"))


def _device_name(graph: Graph) -> str:
    session = getattr(graph, "session", None)
    return session.get_providers()[0] if session is not None else str(graph.device)


def _summary(
    verdict: str,
    as_is: dict[str, float],
    best: Explanation | None,
    runner_up: Explanation | None,
    pattern: ErrorPattern | None,
) -> str:
    as_is_db = as_is["psnr"]
    if verdict == "matches":
        return (
            f"matches: the engine agrees with PyTorch within 8-bit noise (PSNR {as_is_db:.1f} dB, "
            f"largest difference {round(as_is['max_abs'] * 255)}/255)"
        )
    runner = ""
    if best is not None and runner_up is not None:
        runner = f"; runner-up {runner_up.candidate.name}, {best.shown_fit - runner_up.shown_fit:.1f} dB behind"
    if best is not None and best.alike:
        runner += f"; {', '.join(best.alike)} fits the engine's picture as well (within 8-bit noise)"
    if verdict == "explained" and best is not None:
        scores = f"{as_is_db:.1f} dB as is, {best.psnr:.1f} dB with this fault"
        return f"{best.candidate.label}: {scores}{runner}. Fix: {best.candidate.fix}"
    if verdict == "likely" and best is not None:
        rest = f"; what remains is {pattern.text}" if pattern else ""
        return (
            f"partly explained by {best.candidate.label}: {as_is_db:.1f} dB as is, {best.psnr:.1f} dB with it, "
            f"not within 8-bit noise{runner}{rest}. Fix this first: {best.candidate.fix}"
        )
    closest = f" (closest: {best.candidate.name}, {best.psnr:.1f} dB)" if best is not None else ""
    where = f"; the error is {pattern.text}" if pattern else ""
    nothing = "no fault or pair of faults reproduces the engine's picture"
    return f"unexplained: {as_is_db:.1f} dB as is, and {nothing}{closest}{where}"


def diagnose(
    graph: Graph,
    image: np.ndarray,
    engine: np.ndarray,
    *,
    pairs: bool = True,
    sample: bool | None = None,
    pytorch: np.ndarray | None = None,
) -> Diagnosis:
    """Diagnose one engine picture of one frame (both uint8 (H, W, 3), upright sRGB); `pytorch`: see Diagnoser."""
    diagnoser = Diagnoser(graph, image, _size(engine), pairs=pairs, sample=sample, keep_pictures_mb=64, pytorch=pytorch)
    return diagnoser.diagnose(engine)
