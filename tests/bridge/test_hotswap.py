"""Hot swap: a watched model replaced under load switches between frames; a corrupt one is refused."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from bridge_testing import noise, replace_atomically

from bridge.backends import load_backend
from bridge.client import BridgeClient, Reply
from bridge.protocol import ErrorCode, Header, Message, MessageType
from bridge.server import BridgeServer

pytestmark = pytest.mark.timeout(120)


class Streamer(threading.Thread):
    """Streams one frame continuously (2 in flight) and keeps every reply."""

    def __init__(self, client: BridgeClient, frame: np.ndarray) -> None:
        super().__init__(daemon=True)
        self.client, self.frame = client, frame
        self.replies: list[Reply] = []
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            self.client.submit(self.frame)
            self.replies.extend(self.client.poll(timeout=1.0))

    def wait_for(self, condition: Callable[[Reply], bool], after: int = 0, timeout: float = 30.0) -> Reply:
        """The first reply from index `after` on that satisfies `condition`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for reply in self.replies[after:]:
                if condition(reply):
                    return reply
            time.sleep(0.02)
        raise AssertionError("the condition never came true")

    def finish(self) -> list[Reply]:
        self.stop.set()
        self.join(timeout=10)
        return self.replies


def _wait(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the condition never came true"
        time.sleep(0.05)


def test_replacing_the_model_under_load_switches_between_frames_and_refuses_a_corrupt_one(
    start_server: Callable[..., BridgeServer], connect: Callable[..., BridgeClient], models_dir: Path, tmp_path: Path
) -> None:
    served = tmp_path / "style.onnx"
    shutil.copy(models_dir / "tiny_a.onnx", served)
    server = start_server(load_backend("auto", served), model_root=served)
    streamer = Streamer(connect(server.endpoint), noise(np.random.default_rng(0), 48, 32))
    streamer.start()
    first = streamer.wait_for(lambda r: r.type == MessageType.RESULT)
    assert first.header.generation == 1

    replace_atomically(models_dir / "tiny_b.onnx", served)
    second = streamer.wait_for(lambda r: r.type == MessageType.RESULT and r.header.generation == 2)
    assert second.image.tobytes() != first.image.tobytes()

    corrupt = tmp_path / "corrupt.onnx"
    corrupt.write_bytes((models_dir / "tiny_a.onnx").read_bytes()[:5000])
    replace_atomically(corrupt, served)
    _wait(lambda: server.stats.counts().get("swaps_refused", 0) >= 1)
    streamer.wait_for(lambda r: r.type == MessageType.RESULT, after=len(streamer.replies) + 2)
    replies = streamer.finish()

    assert all(r.type in (MessageType.RESULT, MessageType.DROPPED) for r in replies), "a frame failed"
    assert max(r.header.generation for r in replies) == 2  # the corrupt file never served
    assert replies[-1].header.generation == 2 or replies[-1].type == MessageType.DROPPED
    assert server.stats.counts()["swaps"] == 1


def test_control_lists_and_switches_models_in_the_folder(
    start_server: Callable[..., BridgeServer], connect: Callable[..., BridgeClient], models_dir: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "models"
    folder.mkdir()
    for name in ("tiny_a.onnx", "tiny_b.onnx"):
        shutil.copy(models_dir / name, folder / name)
    (folder / "broken.onnx").write_bytes(b"not a model")
    server = start_server(load_backend("onnxruntime", folder / "tiny_a.onnx"), model_root=folder, watch=False)
    client = connect(server.endpoint)
    assert client.server["model"]["model"] == "tiny_a.onnx"

    listed = client.control("list_models")["models"]
    assert [(m["name"], m["current"]) for m in listed] == [
        ("broken.onnx", False), ("tiny_a.onnx", True), ("tiny_b.onnx", False)
    ]  # fmt: skip

    frame = noise(np.random.default_rng(1), 32, 32)
    before = client.stylize(frame).copy()
    switched = client.control("load_model", model="tiny_b.onnx")
    assert switched["generation"] == 2 and switched["model"] == "tiny_b.onnx"
    assert client.stylize(frame).tobytes() != before.tobytes()

    refused = client.request(Message(Header(MessageType.CONTROL), body={"op": "load_model", "model": "broken.onnx"}))
    assert refused.type == MessageType.ERROR and refused.header.code == ErrorCode.MODEL_ERROR
    assert "old one stays" in refused.body["message"]
    assert client.control("stats")["model"]["model"] == "tiny_b.onnx"


def test_a_watched_folder_switches_to_a_model_dropped_into_it(
    start_server: Callable[..., BridgeServer], connect: Callable[..., BridgeClient], models_dir: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "models"
    folder.mkdir()
    shutil.copy(models_dir / "tiny_a.pt", folder / "tiny_a.pt")
    server = start_server(load_backend("torch", folder), model_root=folder, backend_kind="torch")
    client = connect(server.endpoint)
    (folder / "notes.txt").write_text("not a model: ignored")
    replace_atomically(models_dir / "tiny_b.onnx", folder / "tiny_b.onnx")  # the wrong kind for --backend torch
    _wait(lambda: server.stats.counts().get("swaps_refused") == 1)
    replace_atomically(models_dir / "tiny_b.pt", folder / "tiny_b.pt")
    _wait(lambda: server.slot.current()[0].path == folder / "tiny_b.pt")
    assert client.control("stats")["model"] == {**server.slot.current()[0].info(), "generation": 2}


def test_with_a_model_file_its_folder_is_listed_but_only_the_file_is_watched(
    start_server: Callable[..., BridgeServer], connect: Callable[..., BridgeClient], models_dir: Path, tmp_path: Path
) -> None:
    served = tmp_path / "style.onnx"
    shutil.copy(models_dir / "tiny_a.onnx", served)
    server = start_server(load_backend("auto", served), model_root=served)
    client = connect(server.endpoint)
    replace_atomically(models_dir / "tiny_b.onnx", tmp_path / "sibling.onnx")  # listed and loadable, never watched
    assert [m["name"] for m in client.control("list_models")["models"]] == ["sibling.onnx", "style.onnx"]
    time.sleep(1.0)  # several quiet periods: a watched sibling would have been loaded by now
    replace_atomically(models_dir / "tiny_b.onnx", served)
    _wait(lambda: server.slot.current()[1] == 2)
    assert server.slot.current()[0].path == served and server.stats.counts()["swaps"] == 1
    assert client.control("load_model", model="sibling.onnx")["generation"] == 3
