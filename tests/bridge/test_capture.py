"""Capture: frames become upright sRGB PNGs plus a manifest, with back-pressure, and survive kill -9."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from bridge_testing import noise

from bridge.capture import MANIFEST, CaptureRequest, CaptureStore
from bridge.client import BridgeClient
from bridge.protocol import ErrorCode, Header, MessageType, PixelFormat, RowOrder
from bridge.server import BridgeServer
from pipeline.core.fileio import load_rgb

pytestmark = pytest.mark.timeout(120)
REPO = Path(__file__).resolve().parents[2]


def manifest_lines(folder: Path) -> list[dict]:
    return [json.loads(line) for line in (folder / MANIFEST).read_text().splitlines()]


def visible_pngs(folder: Path) -> set[str]:
    return {p.name for p in folder.glob("*.png") if not p.name.startswith(".")}


def test_a_capture_is_acknowledged_once_written_upright(
    start_server: Callable[..., BridgeServer], connect: Callable[..., BridgeClient], tmp_path: Path
) -> None:
    server = start_server(capture_dir=tmp_path / "dataset")
    client = connect(server.endpoint, name="unity-editor")
    upright = noise(np.random.default_rng(0), 20, 10, PixelFormat.RGB24)
    unity_like = np.dstack([upright, np.zeros((10, 20), np.uint8)])[::-1]

    ack = client.capture(unity_like, source="level1/cam0", frame_index=77, row_order=RowOrder.BOTTOM_UP)
    assert ack["file"] == "00000000.png" and ack["index"] == 0
    assert (load_rgb(ack["path"]) == upright).all()
    (line,) = manifest_lines(tmp_path / "dataset")
    assert line["file"] == "00000000.png" and line["source"] == "level1/cam0" and line["frame_index"] == 77
    assert (line["width"], line["height"], line["client"]) == (20, 10, "unity-editor")
    assert client.capture(upright)["file"] == "00000001.png"


def test_a_writer_that_falls_behind_says_so_and_never_loses_an_acknowledged_frame(
    start_server: Callable[..., BridgeServer], connect: Callable[..., BridgeClient], tmp_path: Path
) -> None:
    folder = tmp_path / "dataset"
    server = start_server(capture_dir=folder, capture_queue=1)
    client = connect(server.endpoint)
    frame = noise(np.random.default_rng(1), 256, 256)
    seqs = [client.send(client.frame_message(MessageType.CAPTURE, [frame], body={})) for _ in range(20)]
    replies = {}
    while len(replies) < len(seqs):
        reply = client.receive(timeout=20.0)
        replies[reply.seq] = reply
    acks = [r for r in replies.values() if r.type == MessageType.CAPTURE_ACK]
    refused = [r for r in replies.values() if r.type == MessageType.ERROR]
    assert refused and all(r.header.code == ErrorCode.OVERLOADED and "behind" in r.body["message"] for r in refused)
    assert len(acks) + len(refused) == 20
    assert visible_pngs(folder) == {r.body["file"] for r in acks} == {line["file"] for line in manifest_lines(folder)}


def test_reconcile_repairs_every_crash_state(tmp_path: Path) -> None:
    store = CaptureStore(tmp_path)
    image = noise(np.random.default_rng(2), 6, 4, PixelFormat.RGB24)
    header = Header(MessageType.CAPTURE, width=6, height=4, pixel_format=PixelFormat.RGB24)
    for i in range(3):
        store.write(CaptureRequest(image, header, {"source": "test", "frame_index": i}))
    (tmp_path / "00000001.png").unlink()  # a line without its file
    (tmp_path / "00000004.png").write_bytes((tmp_path / "00000000.png").read_bytes())  # a file without its line
    (tmp_path / ".00000005.png.abc.partial").write_bytes(b"\x89PNG half")  # a temp file left by a kill
    with open(tmp_path / MANIFEST, "a") as manifest:
        manifest.write('{"file": "00000005.png", "ind')  # a line cut short

    reopened = CaptureStore(tmp_path)
    lines = manifest_lines(tmp_path)
    assert [line["file"] for line in lines] == ["00000000.png", "00000002.png", "00000004.png"]
    assert lines[-1]["recovered"] and (lines[-1]["width"], lines[-1]["height"]) == (6, 4)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["00000000.png", "00000002.png", "00000004.png", MANIFEST]
    assert reopened.next_index == 5


MANIFEST_KEYS = {"file": str, "index": int, "width": int, "height": int, "source": (str, type(None)),
                 "frame_index": (int, type(None)), "seq": (int, type(None)), "client": (str, type(None)),
                 "unix_time": float, "time": str, "recovered": bool}  # fmt: skip


def test_every_manifest_line_has_the_keys_the_spec_lists_recovered_ones_too(tmp_path: Path) -> None:
    store = CaptureStore(tmp_path)
    header = Header(MessageType.CAPTURE, width=3, height=2, pixel_format=PixelFormat.RGB24)
    meta = {"source": "cam", "frame_index": 5, "seq": 9, "client": "unity"}
    store.write(CaptureRequest(noise(np.random.default_rng(5), 3, 2, PixelFormat.RGB24), header, meta))
    (tmp_path / "00000001.png").write_bytes((tmp_path / "00000000.png").read_bytes())  # its line lost in a crash
    CaptureStore(tmp_path)
    written, recovered = manifest_lines(tmp_path)
    for line in (written, recovered):
        assert set(line) == set(MANIFEST_KEYS)
        assert all(isinstance(line[key], kind) for key, kind in MANIFEST_KEYS.items()), line
        assert datetime.fromisoformat(line["time"]).timestamp() == pytest.approx(line["unix_time"], abs=1e-3)
    assert {k: written[k] for k in meta} == meta and written["recovered"] is False
    assert {k: recovered[k] for k in meta} == dict.fromkeys(meta) and recovered["recovered"] is True
    assert (recovered["file"], recovered["index"], recovered["width"], recovered["height"]) == ("00000001.png", 1, 3, 2)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _serve(capture_dir: Path, port: int) -> subprocess.Popen:
    options = ["--capture-dir", str(capture_dir), "--capture-queue", "64", "--stats-interval", "0"]
    command = [sys.executable, "-m", "pipeline", "serve", "--backend", "passthrough", *options]
    command += ["--bind", f"tcp://127.0.0.1:{port}"]
    return subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _send_captures(client: BridgeClient, count: int) -> list[int]:
    frame = noise(np.random.default_rng(3), 640, 480)  # ~20 ms of PNG encoding each
    return [
        client.send(client.frame_message(MessageType.CAPTURE, [frame], body={"frame_index": i})) for i in range(count)
    ]


@pytest.mark.slow
def test_kill_9_during_a_capture_burst_leaves_only_complete_frames(
    connect: Callable[..., BridgeClient], tmp_path: Path
) -> None:
    folder, port = tmp_path / "dataset", _free_port()
    server = _serve(folder, port)
    try:
        client = connect(f"tcp://127.0.0.1:{port}", timeout=30.0)
        _send_captures(client, 60)
        acked = set()
        while len(acked) < 5:  # kill mid-burst: some frames written, more queued
            reply = client.receive(timeout=30.0)
            acked.add(reply.raise_for_error().body["file"])
    finally:
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=30)
    assert server.returncode == -signal.SIGKILL

    lines = manifest_lines_complete(folder)
    assert acked <= {line["file"] for line in lines}
    assert len(lines) < 60, "the kill came after the burst; the test proved nothing"
    for line in lines:  # every complete line has its complete PNG
        assert load_rgb(folder / line["file"]).shape == (480, 640, 3)
    for name in visible_pngs(folder):  # and no visible file is a partial one
        assert load_rgb(folder / name).shape == (480, 640, 3)

    CaptureStore(folder)  # what a restart does
    assert visible_pngs(folder) == {line["file"] for line in manifest_lines(folder)}
    assert [p.name for p in folder.iterdir() if p.name.startswith(".")] == []


def manifest_lines_complete(folder: Path) -> list[dict]:
    """Manifest lines as a reader sees them right after a crash: a last line without its newline is ignored."""
    data = (folder / MANIFEST).read_bytes()
    return [json.loads(line) for line in data[: data.rfind(b"\n") + 1].decode().splitlines()]


@pytest.mark.slow
def test_ctrl_c_writes_every_queued_capture_then_exits(connect: Callable[..., BridgeClient], tmp_path: Path) -> None:
    folder, port = tmp_path / "dataset", _free_port()
    server = _serve(folder, port)
    try:
        client = connect(f"tcp://127.0.0.1:{port}", timeout=30.0)
        _send_captures(client, 12)
        client.ping()  # the server handles one client's messages in order: all 12 are queued now
        server.send_signal(signal.SIGINT)
        assert server.wait(timeout=60) == 0, server.stderr.read().decode()
    finally:
        if server.poll() is None:
            server.kill()
    assert len(manifest_lines(folder)) == len(visible_pngs(folder)) == 12
    assert b"Traceback" not in server.stderr.read()


def test_sigterm_is_a_clean_stop_too(connect: Callable[..., BridgeClient], tmp_path: Path) -> None:
    port = _free_port()
    server = _serve(tmp_path / "dataset", port)
    try:
        connect(f"tcp://127.0.0.1:{port}", timeout=30.0).ping()
        os.kill(server.pid, signal.SIGTERM)
        assert server.wait(timeout=60) == 0
    finally:
        if server.poll() is None:
            server.kill()
