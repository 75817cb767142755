"""The A/B diagnosis a COMPARE can ask for (flag bit 1, protocol 1.1): why the engine's output differs from ours.

The engine is taken to run the model the server serves: the same .onnx (under its own contract),
or for a checkpoint its `--io unit` export (the exporter's default). PyTorch's picture is the
server's own output for the COMPARE, so "matches" costs no model run; otherwise every single
fault is simulated, and pairs only when no single fault reproduces the engine's picture. On a CPU,
frames over 320x200 are searched on a downscaled sample and the best candidates confirmed at full
size; the body says so (`sampled`, `note`). `pipeline.diagnosis` does the work; this module keeps
one graph per served model, writes the body PROTOCOL.md describes, and runs diagnoses on a thread
of their own (`DiagnosisWorker`): a diagnosis takes seconds on a CPU, and live frames must not wait
for it. At most CAPACITY diagnoses wait, server-wide; a COMPARE beyond that is answered at once,
with its metrics and `diagnosis_error`.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from bridge.backends import Backend
from bridge.protocol import Header, Message, encode_message
from pipeline.diagnosis.diagnose import Diagnosis, diagnose
from pipeline.diagnosis.graphs import Graph, graph_for

log = logging.getLogger(__name__)

PASSTHROUGH_REASON = "a passthrough server runs no model: there is nothing to diagnose (serve a model with --model)"
BUSY_REASON = "the server is still diagnosing earlier COMPAREs; ask again when their results have come"
CAPACITY = 4  # diagnoses waiting or running, server-wide


def diagnosis_body(result: Diagnosis) -> dict[str, Any]:
    """The wire form of a diagnosis (PROTOCOL.md, "COMPARE diagnosis")."""
    best = result.best if result.verdict in ("explained", "likely") else None
    return {
        "verdict": result.verdict,
        "summary": result.summary,
        "explanation": best.candidate.name if best else None,
        "label": best.candidate.label if best else None,
        "psnr": round(best.psnr, 2) if best else None,
        "as_is_psnr": round(result.as_is["psnr"], 2),
        "margin_db": None if result.margin_db is None else round(result.margin_db, 2),
        "fix": result.fix,
        "sampled": bool(result.search["sampled"]),
        "note": result.search["note"],
        "engine_model": result.model,
        "seconds": round(result.timing["seconds"], 3),
    }


@dataclass
class DiagnosisJob:
    client: bytes
    reply: Header  # the COMPARE_RESULT's header
    body: dict[str, Any]  # its metrics, to which the diagnosis is added
    backend: Backend
    pictures: tuple[np.ndarray, np.ndarray, np.ndarray]  # upright sRGB uint8: frame, our output, engine's


class DiagnosisWorker:
    """Diagnoses COMPAREs one at a time on a thread of its own and sends their COMPARE_RESULTs through `send`."""

    def __init__(self, send: Callable[[bytes, list], None], capacity: int = CAPACITY) -> None:
        self.send = send
        self._graph: tuple[Backend, Graph] | None = None  # the served model's, kept until a hot swap
        self._jobs: queue.Queue[DiagnosisJob] = queue.Queue(maxsize=capacity)
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="diagnosis-worker", daemon=True)
        self._thread.start()

    def submit(self, job: DiagnosisJob) -> bool:
        """Queue a diagnosis; False when CAPACITY are already waiting (then answer without one: BUSY_REASON)."""
        try:
            self._jobs.put_nowait(job)
        except queue.Full:
            return False
        return True

    def close(self) -> None:
        self._stopping.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                job = self._jobs.get(timeout=0.2)
            except queue.Empty:
                continue
            job.body.update(self.run(job.backend, *job.pictures))
            self.send(job.client, encode_message(Message(job.reply, body=job.body)))

    def graph(self, backend: Backend) -> Graph:
        assert backend.stylizer is not None, PASSTHROUGH_REASON  # (the inference worker answers those itself)
        if self._graph is None or self._graph[0] is not backend:  # (a hot swap brings a new backend)
            self._graph = backend, graph_for(backend.stylizer)
        return self._graph[1]

    def run(self, backend: Backend, frame: np.ndarray, ours: np.ndarray, engine: np.ndarray) -> dict[str, Any]:
        """`diagnosis` from upright sRGB uint8 (H, W, 3) pictures (the frame, our output, the engine's), or
        `diagnosis_error` instead: a diagnosis that fails costs the client no metrics."""
        try:
            result = diagnose(self.graph(backend), frame, engine, pytorch=ours)
            return {"diagnosis": diagnosis_body(result)}
        except Exception as exc:  # a model failing in the emulator must not stop the server
            log.warning("diagnosis failed: %s", exc)
            return {"diagnosis_error": f"the diagnosis failed: {exc}"}
