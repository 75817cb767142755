"""Per-stage timings and event counters, shared by the server's threads.

Stages are those of a frame's trip: decode (header and payload checks), preprocess, inference,
postprocess, encode (reply header and send). Each keeps a window of recent durations, so stats
describe the server now, not averaged over its whole life.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, deque

import numpy as np

STAGES = ("decode", "preprocess", "inference", "postprocess", "encode")
WINDOW = 512


class Stats:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._durations: dict[str, deque[float]] = {stage: deque(maxlen=WINDOW) for stage in STAGES}
        self._completed: deque[float] = deque(maxlen=WINDOW)  # monotonic times frames were answered
        self._counts: Counter[str] = Counter()
        self._started = time.monotonic()

    def record(self, stage: str, seconds: float) -> None:
        with self._lock:
            self._durations[stage].append(seconds)

    def count(self, event: str, amount: int = 1) -> None:
        with self._lock:
            self._counts[event] += amount
            if event == "results":
                self._completed.append(time.monotonic())

    def counts(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)

    def fps(self) -> float:
        """Frames answered per second over the recent window (the last 5 s at most)."""
        now = time.monotonic()
        with self._lock:
            recent = [t for t in self._completed if now - t <= 5.0]
        if len(recent) < 2:
            return 0.0
        return (len(recent) - 1) / max(recent[-1] - recent[0], 1e-9)

    def snapshot(self) -> dict[str, object]:
        """Counters, fps, and per-stage mean / p50 / p99 in milliseconds (JSON-ready)."""
        with self._lock:
            stages = {stage: np.array(values) * 1000.0 for stage, values in self._durations.items()}
            counts = dict(self._counts)
        timing = {
            stage: {
                "count": int(ms.size),
                "mean_ms": round(float(ms.mean()), 3),
                "p50_ms": round(float(np.percentile(ms, 50)), 3),
                "p99_ms": round(float(np.percentile(ms, 99)), 3),
            }
            for stage, ms in stages.items()
            if ms.size
        }
        uptime = round(time.monotonic() - self._started, 1)
        return {"counts": counts, "fps": round(self.fps(), 2), "stages": timing, "uptime_s": uptime}

    def describe(self) -> str:
        """One log line."""
        snap = self.snapshot()
        counts = snap["counts"]
        assert isinstance(counts, dict) and isinstance(snap["stages"], dict)
        stages = " ".join(f"{name} {t['p50_ms']:.1f}" for name, t in snap["stages"].items())
        events = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
        return f"{snap['fps']:.1f} fps; p50 ms: {stages or '-'}; {events or 'no traffic'}"
