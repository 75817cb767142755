"""Per-stage timings and event counters, shared by the server's threads.

Stages are those of a frame's trip: decode (header and payload checks), preprocess, inference,
postprocess, encode (reply header and send). Each keeps a window of recent durations, so stats
describe the server now, not averaged over its whole life.

Frame rates count RESULTs over a stated span of time: the last FPS_WINDOW seconds for CONTROL stats,
the time since the previous report (one log interval) for the periodic log line, the server's life for
the closing line.
A rate is never estimated from the gaps between a few frames (that read 0.0 fps whenever fewer than
two frames fell in the window, as with a model slower than one frame per 2.5 s).
"""

from __future__ import annotations

import threading
import time
from collections import Counter, deque
from collections.abc import Callable

import numpy as np

STAGES = ("decode", "preprocess", "inference", "postprocess", "encode")
WINDOW = 512  # durations kept per stage
FPS_WINDOW = 5.0  # seconds of RESULTs behind CONTROL stats' fps


class Stats:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        """clock: monotonic seconds (injectable so rates can be tested without waiting)."""
        self._clock = clock
        self._lock = threading.Lock()
        self._durations: dict[str, deque[float]] = {stage: deque(maxlen=WINDOW) for stage in STAGES}
        self._results: deque[float] = deque()  # clock times of the RESULTs of the last FPS_WINDOW seconds
        self._counts: Counter[str] = Counter()
        self._started = clock()
        self._reported: tuple[float, Counter[str]] = (self._started, Counter())  # the last log line: when, counts

    def record(self, stage: str, seconds: float) -> None:
        with self._lock:
            self._durations[stage].append(seconds)

    def count(self, event: str, amount: int = 1) -> None:
        with self._lock:
            self._counts[event] += amount
            if event == "results":
                now = self._clock()
                self._results.extend([now] * amount)
                self._forget_old_results(now)

    def counts(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)

    def fps(self) -> float:
        """RESULTs per second over the last FPS_WINDOW seconds (over the server's life while it is younger)."""
        now = self._clock()
        with self._lock:
            self._forget_old_results(now)
            results = len(self._results)
        span = min(FPS_WINDOW, now - self._started)
        return results / span if span > 0 else 0.0

    def _forget_old_results(self, now: float) -> None:
        while self._results and now - self._results[0] > FPS_WINDOW:
            self._results.popleft()

    def snapshot(self) -> dict[str, object]:
        """Counters, fps, and per-stage mean / p50 / p99 in milliseconds (JSON-ready)."""
        uptime = round(self._clock() - self._started, 1)
        return {"counts": self.counts(), "fps": round(self.fps(), 2), "stages": self._timing(), "uptime_s": uptime}

    def _timing(self) -> dict[str, dict[str, float]]:
        with self._lock:
            stages = {stage: np.array(values) * 1000.0 for stage, values in self._durations.items()}
        return {
            stage: {
                "count": int(ms.size),
                "mean_ms": round(float(ms.mean()), 3),
                "p50_ms": round(float(np.percentile(ms, 50)), 3),
                "p99_ms": round(float(np.percentile(ms, 99)), 3),
            }
            for stage, ms in stages.items()
            if ms.size
        }

    def report(self) -> str | None:
        """A log line about what happened since the previous report (logged or not); None when nothing did."""
        now = self._clock()
        with self._lock:
            since, before = self._reported
            counts = Counter(self._counts)
            self._reported = (now, counts)
        happened = counts - before
        return self._line(happened, now - since) if happened else None

    def describe(self) -> str:
        """One log line about the server's whole life."""
        return self._line(Counter(self.counts()), self._clock() - self._started)

    def _line(self, counts: Counter[str], seconds: float) -> str:
        results = counts["results"]
        rate = results / seconds if seconds > 0 else 0.0
        stages = " ".join(f"{name} {t['p50_ms']:.1f}" for name, t in self._timing().items())
        events = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()) if v) or "no traffic"
        return f"{results} results in {seconds:.1f} s ({rate:.2f} fps); p50 ms: {stages or '-'}; {events}"
