"""The inference worker: turns FRAME and COMPARE jobs into reply messages, off the socket thread.

It reads the model slot once per job, so a hot swap takes effect between frames and a frame in
progress finishes on the model it started with. Replies leave through `send`, which hands them
to the socket thread (ZeroMQ sockets belong to one thread).
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from bridge.backends import Backend, ModelSlot
from bridge.compare import compare_images, save_comparison
from bridge.diagnose import BUSY_REASON, PASSTHROUGH_REASON, DiagnosisJob, DiagnosisWorker
from bridge.pixels import frame_to_unit, payload_array, unit_to_frame
from bridge.protocol import (
    FLAG_DIAGNOSE,
    FLAG_SAVE_VISUAL,
    ErrorCode,
    Header,
    Message,
    MessageType,
    encode_message,
    error_message,
)
from bridge.scheduler import Job, Scheduler
from bridge.stats import Stats
from pipeline.core.contract import unit_to_uint8

log = logging.getLogger(__name__)


@dataclass
class Request:
    """A decoded FRAME or COMPARE waiting for the worker."""

    message: Message
    t_recv_us: int


class InferenceWorker:
    def __init__(
        self,
        scheduler: Scheduler,
        slot: ModelSlot,
        stats: Stats,
        send: Callable[[bytes, list], None],
        compare_dir: Path | None = None,
    ) -> None:
        self.scheduler, self.slot, self.stats, self.send = scheduler, slot, stats, send
        self.compare_dir = compare_dir
        self._compares = itertools.count()
        self.diagnoses = DiagnosisWorker(send)
        self._thread = threading.Thread(target=self._run, name="inference-worker", daemon=True)
        self._stopping = threading.Event()
        self._thread.start()

    def close(self) -> None:
        self._stopping.set()
        self.scheduler.close()
        self._thread.join()
        self.diagnoses.close()

    def _run(self) -> None:
        job = None
        while not self._stopping.is_set():
            if job is None:
                job = self.scheduler.take(timeout=0.2)
                continue
            reply = self.handle(job)
            # Claim the next job before this reply leaves: a frame already waiting now counts as running, so a
            # client that sends its next frame when this reply arrives never displaces it (PROTOCOL.md, "Pacing").
            done, job = job, self.scheduler.take(timeout=0)
            if reply is not None:  # (None: a COMPARE being diagnosed, answered by the diagnosis worker)
                self.send(done.client, reply)

    def handle(self, job: Job) -> list | None:
        request: Request = job.payload
        header = request.message.header
        backend, generation = self.slot.current()
        try:
            if job.kind == "compare":
                reply = self._compare(job.client, request, backend, generation)
                if reply is None:
                    return None
            else:
                reply = self._stylize(request, backend, generation)
        except Exception as exc:  # a model failing on one frame must not stop the server
            log.warning("%s seq %d failed: %s", header.type.name, header.seq, exc)
            self.stats.count("errors")
            reason = f"the model failed on this frame: {exc}"
            reply = error_message(ErrorCode.MODEL_ERROR, reason, request=header, t_recv_us=request.t_recv_us)
        return encode_message(reply)

    def _run_model(self, backend: Backend, pixels: np.ndarray, header: Header) -> np.ndarray:
        """Pre-process, infer, post-process: wire layout in, the same layout out, each stage timed."""
        assert backend.stylizer is not None
        start = time.perf_counter()
        unit = frame_to_unit(pixels, header, getattr(backend.stylizer, "device", "cpu"))
        inferred = time.perf_counter()
        output = backend.stylizer.run_unit(unit)
        if output.is_cuda:
            torch.cuda.synchronize(output.device)  # so the inference time is the GPU's, not a launch
        done = time.perf_counter()
        frame = unit_to_frame(output, header, pixels)
        self.stats.record("preprocess", inferred - start)
        self.stats.record("inference", done - inferred)
        self.stats.record("postprocess", time.perf_counter() - done)
        return frame

    def _stylize(self, request: Request, backend: Backend, generation: int) -> Message:
        header = request.message.header
        payload = request.message.images[0]
        if not backend.passthrough:
            payload = self._run_model(backend, payload_array(header, payload), header)
        self.stats.count("results")
        return Message(header.reply(MessageType.RESULT, generation=generation, t_recv_us=request.t_recv_us), [payload])

    def _compare(self, client: bytes, request: Request, backend: Backend, generation: int) -> Message | None:
        """The COMPARE_RESULT; None when its diagnosis was handed to the diagnosis worker, which answers."""
        header = request.message.header
        source, engine = (payload_array(header, image) for image in request.message.images)
        ours = source if backend.passthrough else self._run_model(backend, source, header)
        # Both sides go through the same conversion, so an engine frame equal to our RESULT scores 0.
        ours_unit, engine_unit = (frame_to_unit(p, header)[0].permute(1, 2, 0).numpy() for p in (ours, engine))
        metrics = compare_images(ours_unit, engine_unit)
        body: dict[str, object] = {**metrics, "model": backend.info()["model"], "visual": None}
        if header.flags & FLAG_SAVE_VISUAL:
            if self.compare_dir is None:
                body["visual_error"] = "start the server with --compare-dir DIR to save comparison images"
            else:
                # the server-wide count keeps two clients' comparisons in the same second apart
                name = f"compare_{time.strftime('%Y%m%d-%H%M%S')}_{next(self._compares):06d}_{header.seq:08d}.png"
                body["visual"] = str(save_comparison(self.compare_dir / name, ours_unit, engine_unit))
        self.stats.count("compares")
        reply = header.reply(MessageType.COMPARE_RESULT, generation=generation, t_recv_us=request.t_recv_us)
        if header.flags & FLAG_DIAGNOSE:
            if backend.passthrough:
                body.update(diagnosis_error=PASSTHROUGH_REASON)
            else:
                frame = frame_to_unit(source, header)[0].permute(1, 2, 0).numpy()
                pictures = (unit_to_uint8(frame), unit_to_uint8(ours_unit), unit_to_uint8(engine_unit))
                if self.diagnoses.submit(DiagnosisJob(client, reply, body, backend, pictures)):
                    return None
                body.update(diagnosis_error=BUSY_REASON)
        return Message(reply, body=body)
