"""What the A/B diagnosis adds to a COMPARE round trip, measured against the plain COMPARE in the same run.

A real server (in this process, on TCP loopback) serves a stand-in TransformerNet exported with
`--io unit`; a real client sends COMPAREs of one game frame with the engine's output as PyTorch
makes it ("matches") and as a Linear-colour-space engine makes it (`input_linear`), each with and
without flag bit 1. Prints the median round trip of each and its ratio to the plain COMPARE.

    python -m bridge.bench_diagnosis [--size 960x540] [--repeats 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from bridge.backends import load_backend
from bridge.client import BridgeClient
from bridge.server import BridgeServer, ServerConfig
from pipeline.core.synthetic import game_frame
from pipeline.diagnosis.faults import candidate_faults
from pipeline.diagnosis.graphs import OnnxGraph
from pipeline.diagnosis.standins import standin_model
from pipeline.diagnosis.table import inject
from pipeline.export.exporter import export_onnx
from pipeline.models.checkpoint import Checkpoint, save_checkpoint


def _median_seconds(
    client: BridgeClient, frame: np.ndarray, engine: np.ndarray, diagnose: bool, repeats: int
) -> tuple[float, dict]:
    times, body = [], {}
    for _ in range(repeats):
        start = time.perf_counter()
        body = client.compare(frame, engine, diagnose=diagnose)
        times.append(time.perf_counter() - start)
    return statistics.median(times), body


def run_compare_benchmark(size: tuple[int, int] = (960, 540), repeats: int = 3) -> str:
    with tempfile.TemporaryDirectory(prefix="bench-diagnosis-") as folder:
        checkpoint = save_checkpoint(Path(folder) / "tiny.pt", Checkpoint.from_model(standin_model("tiny"), "tiny"))
        model = export_onnx(checkpoint, Path(folder) / "tiny.onnx").files.onnx
        frame = game_frame(np.random.default_rng(0), *size)
        graph = OnnxGraph(model, "cpu")
        linear = next(f for f in candidate_faults(graph.contract, size) if f.kind == "input_linear")
        engines = {"matches": inject(graph, frame, (), np.random.default_rng(1), noise=0.0),
                   "input_linear": inject(graph, frame, (linear,), np.random.default_rng(1))}  # fmt: skip
        server = BridgeServer(
            load_backend("onnxruntime", model, "cpu"),
            ServerConfig(bind="tcp://127.0.0.1:0", watch=False, stats_interval=0),
        )
        server.start()
        client = BridgeClient(server.endpoint, timeout=600.0)
        try:
            client.connect()
            client.compare(frame, engines["matches"])  # warm-up
            lines = [f"COMPARE round trips, {size[0]}x{size[1]} frame, tiny stand-in (--io unit, ONNX Runtime CPU), "
                     f"median of {repeats}:"]  # fmt: skip
            for case, engine in engines.items():
                plain, _ = _median_seconds(client, frame, engine, False, repeats)
                diagnosed, body = _median_seconds(client, frame, engine, True, repeats)
                d = body["diagnosis"]
                lines.append(
                    f"  engine {case}: plain {plain:.3f} s; diagnosed {diagnosed:.3f} s = {diagnosed / plain:.1f}x "
                    f"(diagnosis {d['seconds']:.3f} s in the server: {d['verdict']} {d['explanation'] or ''}, "
                    f"sampled {d['sampled']})"
                )
        finally:
            client.close()
            server.stop()
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bridge.bench_diagnosis", description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="960x540", help="frame WIDTHxHEIGHT")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    width, height = (int(v) for v in args.size.split("x"))
    print(run_compare_benchmark((width, height), args.repeats))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
