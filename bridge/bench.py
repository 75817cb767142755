"""`stylebridge bench bridge`: what the bridge costs on top of ZeroMQ, and on top of the model.

Three measurements in one run, each server in its own process (as Unity and Python would be):

1. the floor: a bare pyzmq ROUTER that echoes the bridge's own FRAME bytes back;
2. the bridge with the passthrough backend (protocol, checks, scheduling, threads; no pixels touched);
3. the bridge serving a real tiny model, against the same model timed in-process with no bridge.

With the C# client's round given (`bench bridge --client csharp`), the Unity package's C# client takes a
turn in every round against the same passthrough server (goal: its p50 within 1.3x of the Python client's).

Round trips are measured with one frame in flight (latency); throughput with `in_flight` frames
in flight (what a game client does). Goals: passthrough p50 within 1.5x of the echo, and served
fps at least 0.9x of the model-only fps.
"""

from __future__ import annotations

import multiprocessing as mp
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import zmq

from bridge.backends import load_backend
from bridge.client import BridgeClient
from bridge.pixels import frame_to_unit
from bridge.protocol import Header, Message, MessageType, PixelFormat, encode_message
from bridge.server import BridgeServer, ServerConfig
from pipeline.models import create_model
from pipeline.models.checkpoint import Checkpoint, save_checkpoint

LOOPBACK = "tcp://127.0.0.1:0"


@dataclass
class Timing:
    name: str
    p50_ms: float
    p99_ms: float
    fps_lockstep: float
    fps_pipelined: float

    def row(self) -> str:
        fps = f"{self.fps_lockstep:10.1f} {self.fps_pipelined:10.1f}"
        return f"{self.name:<22} {self.p50_ms:9.2f} {self.p99_ms:9.2f} {fps}"


# -- server processes ---------------------------------------------------------------------------
def _echo_server(endpoints: mp.Queue, stop: mp.Event) -> None:
    context = zmq.Context()
    router = context.socket(zmq.ROUTER)
    router.setsockopt(zmq.LINGER, 0)
    router.bind(LOOPBACK)
    endpoints.put(router.getsockopt_string(zmq.LAST_ENDPOINT))
    while not stop.is_set():
        if router.poll(100):
            router.send_multipart(router.recv_multipart(copy=False), copy=False)
    context.destroy(linger=0)


def _bridge_server(endpoints: mp.Queue, stop: mp.Event, backend: str, model: str | None) -> None:
    server = BridgeServer(load_backend(backend, model), ServerConfig(bind=LOOPBACK, watch=False, stats_interval=0))
    endpoints.put(server.start())
    stop.wait()
    server.stop()


class _ServerProcess:
    def __init__(self, target: object, *args: object) -> None:
        context = mp.get_context("spawn")
        self._endpoints, self._stop = context.Queue(), context.Event()
        self._process = context.Process(target=target, args=(self._endpoints, self._stop, *args), daemon=True)

    def __enter__(self) -> str:
        self._process.start()
        return self._endpoints.get(timeout=120)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._process.join(timeout=30)
        if self._process.is_alive():
            self._process.kill()


# -- clients ------------------------------------------------------------------------------------
@dataclass
class Samples:
    """Round trips (one frame in flight) and pipelined throughput, pooled over rounds."""

    round_trips: list[float] = field(default_factory=list)
    pipelined_frames: int = 0
    pipelined_seconds: float = 0.0

    def timing(self, name: str) -> Timing:
        ms = np.array(self.round_trips) * 1000
        return Timing(
            name,
            float(np.percentile(ms, 50)),
            float(np.percentile(ms, 99)),
            len(self.round_trips) / sum(self.round_trips),
            self.pipelined_frames / self.pipelined_seconds,
        )


def _echo_round(dealer: zmq.Socket, parts: list, frames: int, in_flight: int, samples: Samples) -> None:
    for _ in range(frames):
        start = time.perf_counter()
        dealer.send_multipart(parts, copy=False)
        dealer.recv_multipart(copy=False)
        samples.round_trips.append(time.perf_counter() - start)

    start = time.perf_counter()
    for _ in range(in_flight):
        dealer.send_multipart(parts, copy=False)
    for i in range(frames):
        dealer.recv_multipart(copy=False)
        if i + in_flight < frames:
            dealer.send_multipart(parts, copy=False)
    samples.pipelined_seconds += time.perf_counter() - start
    samples.pipelined_frames += frames


def _bridge_round(client: BridgeClient, image: np.ndarray, frames: int, samples: Samples) -> None:
    for _ in range(frames):
        start = time.perf_counter()
        client.stylize(image)
        samples.round_trips.append(time.perf_counter() - start)
    samples.pipelined_seconds += _stream(client, image, frames)
    samples.pipelined_frames += frames


def _stream(client: BridgeClient, image: np.ndarray, frames: int) -> float:
    """Seconds to get `frames` RESULTs while keeping the client's frames in flight (newest-frame-wins)."""
    results, start = 0, time.perf_counter()
    while results < frames:
        client.submit(image)  # waits in `pending` while credit is used up
        results += sum(reply.type == MessageType.RESULT for reply in client.poll(timeout=10.0))
    seconds = time.perf_counter() - start
    client.pending = None
    while client.in_flight:  # collect the replies still in flight, so the next round starts idle
        client.poll(timeout=10.0)
    return seconds


# The C# client's benchmark round: (endpoint, width, height, frames, in_flight) -> (round trips in seconds,
# frames received with in_flight in flight, seconds they took): pipeline.unity.csharp.CSharpBench, handed in
# by the CLI (this room cannot import it).
ClientRound = Callable[[str, int, int, int, int], tuple[list[float], int, float]]


def _echo_vs_passthrough(
    image: np.ndarray, frames: int, in_flight: int, rounds: int, csharp: ClientRound | None = None
) -> tuple[Timing, Timing, Timing | None]:
    """The bare echo and the passthrough bridge in alternating rounds, so both see the same background load.

    Both get the same bytes: the echo is sent the bridge's own encoded FRAME message. The C# client, when
    given, takes its turn in every round against the same passthrough server.
    """
    header = Header(MessageType.FRAME, seq=1, width=image.shape[1], height=image.shape[0],
                    pixel_format=PixelFormat.RGBA32)  # fmt: skip
    parts = encode_message(Message(header, [image]))
    per_round = max(1, frames // rounds)
    echo, bridge, csharp_samples = Samples(), Samples(), Samples()
    context = zmq.Context()
    with (
        _ServerProcess(_echo_server) as echo_endpoint,
        _ServerProcess(_bridge_server, "passthrough", None) as bridge_endpoint,
        BridgeClient(bridge_endpoint, timeout=60.0, max_in_flight=in_flight, context=context) as client,
    ):
        dealer = context.socket(zmq.DEALER)
        dealer.setsockopt(zmq.LINGER, 0)
        dealer.RCVTIMEO = 10_000
        dealer.connect(echo_endpoint)
        _echo_round(dealer, parts, max(5, per_round // 5), in_flight, Samples())  # warm-up
        _bridge_round(client, image, max(5, per_round // 5), Samples())
        for _ in range(rounds):
            _echo_round(dealer, parts, per_round, in_flight, echo)
            _bridge_round(client, image, per_round, bridge)
            if csharp is not None:
                round_trips, received, seconds = csharp(bridge_endpoint, image.shape[1], image.shape[0], per_round,
                                                        in_flight)  # fmt: skip
                csharp_samples.round_trips += round_trips
                csharp_samples.pipelined_frames += received
                csharp_samples.pipelined_seconds += seconds
        dealer.close()
    context.destroy(linger=0)
    csharp_timing = csharp_samples.timing("C# client passthrough") if csharp is not None else None
    return echo.timing("bare zmq echo"), bridge.timing("bridge passthrough"), csharp_timing


@dataclass
class ModelTiming:
    alone_fps: float  # the model in this process, on the tensor the server's pre-processing makes
    served_fps: float  # frames through the bridge, `in_flight` in flight
    in_server_fps: float  # 1 / the server's own mean inference-stage time during those frames
    where: str


def _model_vs_served(
    backend: str, model: str, endpoint: str, image: np.ndarray, frames: int, in_flight: int, rounds: int = 2
) -> ModelTiming:
    """The model alone and through the bridge, in alternating rounds so both see the same background load.

    The model-only side runs on a worker thread, like the server's inference worker, on the very
    tensor the server's pre-processing makes of the frame.
    """
    loaded = load_backend(backend, model)
    assert loaded.stylizer is not None
    stylizer = loaded.stylizer
    header = Header(MessageType.FRAME, width=image.shape[1], height=image.shape[0], pixel_format=PixelFormat.RGBA32)
    unit = frame_to_unit(image, header)
    alone: list[float] = []

    def run_alone() -> None:
        start = time.perf_counter()
        for _ in range(frames):
            stylizer.run_unit(unit)
        alone.append(time.perf_counter() - start)

    stylizer.run_unit(unit)  # warm-up
    served = 0.0
    with BridgeClient(endpoint, timeout=60.0, max_in_flight=in_flight) as client:
        client.stylize(image)  # warm-up
        for _ in range(rounds):
            worker = threading.Thread(target=run_alone)
            worker.start()
            worker.join()
            served += _stream(client, image, frames)
        inference_ms = client.control("stats")["stats"]["stages"]["inference"]["mean_ms"]
    total = frames * rounds
    return ModelTiming(total / sum(alone), total / served, 1000.0 / inference_ms, f"{loaded.kind} on {loaded.device}")


def _tiny_checkpoint(folder: Path) -> Path:
    torch.manual_seed(0)
    return save_checkpoint(folder / "tiny.pt", Checkpoint.from_model(create_model("tiny"), preset="tiny"))


def run_bridge_benchmark(
    width: int = 960,
    height: int = 540,
    frames: int = 300,
    model_frames: int = 8,
    in_flight: int = 2,
    model: str | None = None,
    backend: str = "auto",
    rounds: int = 5,
    csharp: ClientRound | None = None,
) -> str:
    image = np.random.default_rng(0).integers(0, 256, (height, width, 4), dtype=np.uint8)
    echo, passthrough, csharp_timing = _echo_vs_passthrough(image, frames, in_flight, rounds, csharp)

    with tempfile.TemporaryDirectory(prefix="stylebridge-bench-") as scratch:
        model_path = model or str(_tiny_checkpoint(Path(scratch)))
        with _ServerProcess(_bridge_server, backend, model_path) as endpoint:
            model_timing = _model_vs_served(backend, model_path, endpoint, image, model_frames, in_flight)
    alone, served = model_timing.alone_fps, model_timing.served_fps

    lines = [
        f"bridge benchmark: {width}x{height} RGBA32 ({image.nbytes:,} B per frame), loopback TCP, "
        f"echo and passthrough: {frames} frames each in {rounds} alternating rounds, {in_flight} in flight for "
        f"fps(pipe); model: 2 alternating rounds of {model_frames} frames",
        f"{'':<22} {'p50 ms':>9} {'p99 ms':>9} {'fps(1)':>10} {'fps(pipe)':>10}",
        echo.row(),
        passthrough.row(),
        *([csharp_timing.row()] if csharp_timing else []),
        f"model {Path(model_path).name} ({model_timing.where}): alone {alone:.2f} fps ({1000 / alone:.0f} ms/frame); "
        f"through the bridge {served:.2f} fps; the server's own inference stage {model_timing.in_server_fps:.2f} fps",
        f"passthrough / echo p50: {passthrough.p50_ms / echo.p50_ms:.2f}x (goal <= 1.5x); "
        f"fps(pipe) {passthrough.fps_pipelined / echo.fps_pipelined:.2f}x of the echo",
        f"served / model-alone fps: {served / alone:.2f}x (goal >= 0.9x); "
        f"served / in-server inference fps: {served / model_timing.in_server_fps:.2f}x",
    ]
    if csharp_timing:
        lines.append(
            f"C# / Python client p50: {csharp_timing.p50_ms / passthrough.p50_ms:.2f}x (goal <= 1.3x); "
            f"C# / echo p50: {csharp_timing.p50_ms / echo.p50_ms:.2f}x; "
            f"C# / Python fps(pipe): {csharp_timing.fps_pipelined / passthrough.fps_pipelined:.2f}x"
        )
    return "\n".join(lines)
