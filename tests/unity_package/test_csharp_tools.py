"""The C# client where Python drives it: `bench bridge --client csharp` and the demo's C# leg."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from bridge.backends import load_backend
from bridge.bench import run_bridge_benchmark
from bridge.client import BridgeClient
from bridge.protocol import RowOrder
from bridge.server import BridgeServer, ServerConfig
from pipeline.cli.demo_csharp import stream_through_csharp
from pipeline.unity.csharp import CSharpBench, PackageBuild


@pytest.mark.slow
def test_the_benchmark_measures_the_csharp_client_against_the_same_server(csharp_build: PackageBuild) -> None:
    report = run_bridge_benchmark(width=64, height=32, frames=20, model_frames=1, rounds=2, backend="torch",
                                  csharp=CSharpBench(csharp_build.core))  # fmt: skip
    rows = {name: [float(v) for v in values.split()] for name, values in
            re.findall(r"^(bridge passthrough|C# client passthrough)\s+([\d. ]+)$", report, re.M)}  # fmt: skip
    assert set(rows) == {"bridge passthrough", "C# client passthrough"}, report
    assert all(len(v) == 4 and all(x > 0 for x in v) for v in rows.values()), report
    ratio = float(re.search(r"C# / Python client p50: ([\d.]+)x \(goal <= 1.3x\)", report).group(1))
    csharp_ms, python_ms = rows["C# client passthrough"][0], rows["bridge passthrough"][0]  # printed to 0.01 ms
    assert (
        (csharp_ms - 0.005) / (python_ms + 0.005) - 0.005 <= ratio <= (csharp_ms + 0.005) / (python_ms - 0.005) + 0.005
    )


def test_the_demo_streams_through_the_csharp_client(csharp_build: PackageBuild, tmp_path: Path) -> None:
    server = BridgeServer(load_backend("passthrough", None), ServerConfig(bind="tcp://127.0.0.1:0", stats_interval=0))
    endpoint = server.start()
    try:
        texture = np.random.default_rng(3).integers(0, 256, (18, 30, 4), dtype=np.uint8)
        with BridgeClient(endpoint) as client:
            python_result = client.stylize(texture, RowOrder.BOTTOM_UP)
        summary = stream_through_csharp(endpoint, texture, python_result, tmp_path)
    finally:
        server.stop()
    assert summary is not None and "bit-identical to the Python client's RESULT" in summary, summary
    assert (tmp_path / "csharp_bridge_frame.png").exists()


def test_without_mono_the_demo_leg_is_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    assert stream_through_csharp("tcp://127.0.0.1:1", np.zeros((4, 4, 4), np.uint8), np.zeros((4, 4, 4), np.uint8),
                                 tmp_path) is None  # fmt: skip
