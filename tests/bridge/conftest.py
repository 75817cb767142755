"""Fixtures for the bridge tests: servers on random loopback ports, clients, tiny models on disk.

Every server here is real (a ROUTER on tcp://127.0.0.1:<random port>), every client a real DEALER,
and every receive has a timeout, so a broken server fails a test instead of hanging it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import zmq
from bridge_testing import tiny_checkpoint

from bridge.backends import Backend, load_backend
from bridge.client import BridgeClient
from bridge.server import BridgeServer, ServerConfig
from pipeline.export.exporter import export_onnx

LOOPBACK = "tcp://127.0.0.1:0"
RECEIVE_MS = 5000


@pytest.fixture(scope="session")
def models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tiny_a.pt / tiny_b.pt (different weights) and their `stylebridge export`s tiny_a.onnx / tiny_b.onnx."""
    folder = tmp_path_factory.mktemp("models")
    for name, seed in (("tiny_a", 0), ("tiny_b", 1)):
        export_onnx(tiny_checkpoint(folder / f"{name}.pt", seed), folder / f"{name}.onnx")
    return folder


@pytest.fixture
def start_server() -> Iterator[Callable[..., BridgeServer]]:
    """start_server(backend=None, **ServerConfig fields) -> a running server (passthrough by default)."""
    servers: list[BridgeServer] = []

    def start(backend: Backend | None = None, **config: Any) -> BridgeServer:
        config.setdefault("bind", LOOPBACK)
        config.setdefault("stats_interval", 0)
        server = BridgeServer(backend or load_backend("passthrough", None), ServerConfig(**config))
        server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def connect() -> Iterator[Callable[..., BridgeClient]]:
    """connect(endpoint, **BridgeClient options) -> a client that has completed its handshake."""
    clients: list[BridgeClient] = []

    def make(endpoint: str, **options: Any) -> BridgeClient:
        options.setdefault("timeout", 5.0)
        client = BridgeClient(endpoint, **options)
        clients.append(client)
        client.connect()
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def raw_dealer() -> Iterator[Callable[[str], zmq.Socket]]:
    """raw_dealer(endpoint) -> a bare DEALER (5 s receive timeout) for sending arbitrary bytes."""
    context = zmq.Context()

    def make(endpoint: str) -> zmq.Socket:
        dealer = context.socket(zmq.DEALER)
        dealer.setsockopt(zmq.LINGER, 0)
        dealer.setsockopt(zmq.RCVTIMEO, RECEIVE_MS)
        dealer.setsockopt(zmq.SNDTIMEO, RECEIVE_MS)
        dealer.connect(endpoint)
        return dealer

    yield make
    context.destroy(linger=0)
