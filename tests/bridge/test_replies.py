"""Every reply echoes its request (seq, image fields, client time) and carries the server's clock;
a request that trips a server bug costs that request an ERROR, never the server."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import zmq
from bridge_testing import noise

from bridge.backends import load_backend
from bridge.client import BridgeClient
from bridge.protocol import (
    ErrorCode,
    Header,
    Message,
    MessageType,
    PixelFormat,
    RowOrder,
    decode_message,
    encode_message,
)
from bridge.server import BridgeServer

pytestmark = pytest.mark.timeout(120)

StartServer = Callable[..., BridgeServer]
Connect = Callable[..., BridgeClient]


def _image_header(kind: MessageType, width: int = 8, height: int = 8) -> Header:
    return Header(kind, width=width, height=height, pixel_format=PixelFormat.RGBA32, row_order=RowOrder.BOTTOM_UP)


def _exchange(dealer: zmq.Socket, message: Message) -> Header:
    dealer.send_multipart(encode_message(message))
    return decode_message(dealer.recv_multipart()).header


def _assert_echoes(request: Header, reply: Header, kind: MessageType) -> None:
    assert reply.type == kind
    fields = ("seq", "width", "height", "pixel_format", "row_order", "color_encoding")
    assert [getattr(reply, f) for f in fields] == [getattr(request, f) for f in fields], kind.name
    assert reply.t_send_us >= reply.t_recv_us > 0, kind.name


def test_every_reply_echoes_its_request_and_carries_server_times(
    start_server: StartServer, raw_dealer: Callable[[str], zmq.Socket], models_dir: Path, tmp_path: Path
) -> None:
    server = start_server(load_backend("torch", models_dir / "tiny_a.pt"), model_root=models_dir, watch=False,
                          capture_dir=tmp_path / "captures")  # fmt: skip
    dealer = raw_dealer(server.endpoint)
    pixels = noise(np.random.default_rng(0), 8, 8).tobytes()
    requests = [
        (Message(Header(MessageType.HELLO), body={"client": "echo-check"}), MessageType.HELLO_ACK),
        (Message(_image_header(MessageType.FRAME), [pixels]), MessageType.RESULT),
        (Message(_image_header(MessageType.COMPARE), [pixels, pixels]), MessageType.COMPARE_RESULT),
        (Message(_image_header(MessageType.CAPTURE), [pixels], body={"source": "test"}), MessageType.CAPTURE_ACK),
        (Message(Header(MessageType.CONTROL), body={"op": "stats"}), MessageType.CONTROL_REPLY),
        (Message(Header(MessageType.CONTROL), body={"op": "list_models"}), MessageType.CONTROL_REPLY),
        (Message(Header(MessageType.CONTROL), body={"op": "load_model", "model": "tiny_b.onnx"}),
         MessageType.CONTROL_REPLY),
        (Message(Header(MessageType.CONTROL), body={"op": "load_model", "model": "nope.onnx"}), MessageType.ERROR),
        (Message(_image_header(MessageType.FRAME, width=9), [pixels]), MessageType.ERROR),  # size disagrees
        (Message(Header(MessageType.PING)), MessageType.PONG),
    ]  # fmt: skip
    for seq, (message, kind) in enumerate(requests, start=1):
        message.header.seq, message.header.t_client_us = seq, 1_000_000 + seq
        reply = _exchange(dealer, message)
        _assert_echoes(message.header, reply, kind)
        assert reply.t_client_us == message.header.t_client_us, kind.name


def test_dropped_frames_echo_the_frame_they_answer(
    start_server: StartServer, connect: Connect, models_dir: Path
) -> None:
    client = connect(start_server(load_backend("torch", models_dir / "tiny_a.pt"), watch=False).endpoint)
    sent = {}
    for i in range(8):
        message = client.frame_message(MessageType.FRAME, [noise(np.random.default_rng(i), 96, 64)], RowOrder.BOTTOM_UP)
        client.send(message)
        sent[message.header.seq] = Header(**vars(message.header))
    replies = [client.receive(timeout=10.0) for _ in sent]
    dropped = [r for r in replies if r.type == MessageType.DROPPED]
    assert dropped, "eight frames at once on a CPU model must drop some"
    for reply in dropped:
        _assert_echoes(sent[reply.seq], reply.header, MessageType.DROPPED)
        assert reply.header.t_client_us == sent[reply.seq].t_client_us


def test_a_server_bug_answers_internal_and_the_server_keeps_serving(
    start_server: StartServer, connect: Connect, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = start_server()
    client = connect(server.endpoint)

    def broken() -> dict:
        raise RuntimeError("stats are broken")

    monkeypatch.setattr(server, "describe", broken)  # inject a fault where a request reaches server code
    reply = client.request(Message(Header(MessageType.CONTROL), body={"op": "stats"}))
    assert reply.type == MessageType.ERROR and reply.header.code == ErrorCode.INTERNAL
    assert "stats are broken" in reply.body["message"]
    frame = noise(np.random.default_rng(1), 8, 8)
    assert client.stylize(frame).tobytes() == frame.tobytes()


def test_listing_models_after_their_folder_vanished_answers_empty(
    start_server: StartServer, connect: Connect, models_dir: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "models"
    folder.mkdir()
    shutil.copy(models_dir / "tiny_a.onnx", folder / "style.onnx")
    server = start_server(load_backend("onnxruntime", folder / "style.onnx"), model_root=folder / "style.onnx",
                          watch=False)  # fmt: skip
    client = connect(server.endpoint)
    assert [m["name"] for m in client.control("list_models")["models"]] == ["style.onnx"]
    shutil.rmtree(folder)
    assert client.control("list_models")["models"] == []
    frame = noise(np.random.default_rng(2), 8, 8)
    assert client.stylize(frame).shape == frame.shape  # the loaded model keeps serving
