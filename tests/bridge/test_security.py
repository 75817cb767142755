"""Loopback by default; anything reachable needs CURVE keys or an explicit --insecure."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import zmq.auth

from bridge.backends import load_backend
from bridge.client import BridgeClient, BridgeTimeout
from bridge.security import SecurityError, check_bind, is_loopback
from bridge.server import BridgeServer, ServerConfig
from pipeline.cli.main import main

pytestmark = pytest.mark.timeout(60)


@pytest.mark.parametrize(
    ("endpoint", "loopback"),
    [
        ("tcp://127.0.0.1:5556", True),
        ("tcp://127.9.9.9:5556", True),
        ("tcp://localhost:5556", True),
        ("tcp://[::1]:5556", True),
        ("ipc:///tmp/bridge", True),
        ("tcp://0.0.0.0:5556", False),
        ("tcp://*:5556", False),
        ("tcp://192.168.1.20:5556", False),
        ("tcp://eth0:5556", False),
        ("udp://127.0.0.1:5556", False),
    ],
)
def test_loopback_detection(endpoint: str, loopback: bool) -> None:
    assert is_loopback(endpoint) is loopback


def test_a_reachable_bind_needs_keys_or_insecure(tmp_path: Path) -> None:
    with pytest.raises(SecurityError, match="--curve-keys"):
        BridgeServer(load_backend("passthrough", None), ServerConfig(bind="tcp://0.0.0.0:0"))
    check_bind("tcp://0.0.0.0:0", None, insecure=True)
    check_bind("tcp://0.0.0.0:0", tmp_path, insecure=False)


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("keys") / "bridge-keys"
    assert main(["keys", str(folder)]) == 0
    return folder


def test_keys_command_writes_a_usable_set_and_will_not_overwrite(keys: Path) -> None:
    names = {p.relative_to(keys).as_posix() for p in keys.rglob("*") if p.is_file()}
    assert names == {"server.key", "server.key_secret", "client.key", "client.key_secret",
                     "authorized_clients/client.key"}  # fmt: skip
    assert {(keys / name).stat().st_mode & 0o777 for name in ("server.key_secret", "client.key_secret")} == {0o600}
    assert keys.stat().st_mode & 0o077 == 0  # only the owner can list or enter the folder
    assert main(["keys", str(keys)]) == 1


def test_with_curve_only_clients_holding_an_authorized_key_get_answers(
    start_server: Callable[..., BridgeServer], connect: Callable[..., BridgeClient], keys: Path, tmp_path: Path
) -> None:
    server = start_server(curve_keys=keys)
    frame = np.arange(24, dtype=np.uint8).reshape(2, 4, 3)
    assert connect(server.endpoint, curve_keys=keys).stylize(frame).tobytes() == frame.tobytes()

    with pytest.raises(BridgeTimeout):
        connect(server.endpoint, timeout=1.0)  # no keys at all: the handshake never completes

    stranger = tmp_path / "stranger"
    stranger.mkdir()
    (stranger / "server.key").write_bytes((keys / "server.key").read_bytes())
    zmq.auth.create_certificates(str(stranger), "client")  # a valid key pair the server does not know
    with pytest.raises(BridgeTimeout):
        connect(server.endpoint, timeout=1.0, curve_keys=stranger)
