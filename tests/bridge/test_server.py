"""The server end to end over real loopback sockets: frames, drops, several clients, bad input, restarts."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from bridge_testing import noise

from bridge.backends import load_backend
from bridge.client import BridgeClient, BridgeError, ServerError
from bridge.compare import GAP
from bridge.protocol import (
    HEADER,
    MAGIC,
    ColorEncoding,
    ErrorCode,
    Header,
    Message,
    MessageType,
    PixelFormat,
    RowOrder,
    decode_message,
    encode_message,
)
from bridge.server import BridgeBindError, BridgeConfigError, BridgeServer, ServerConfig
from pipeline.cli.main import main
from pipeline.core.fileio import load_rgb, save_png
from pipeline.core.pictures import CAPTION_PX
from pipeline.core.synthetic import game_frame

pytestmark = pytest.mark.timeout(120)

StartServer = Callable[..., BridgeServer]
Connect = Callable[..., BridgeClient]


@pytest.mark.parametrize("rows", list(RowOrder))
@pytest.mark.parametrize("fmt", [PixelFormat.RGBA32, PixelFormat.RGB24])
def test_passthrough_returns_bit_identical_frames(
    start_server: StartServer, connect: Connect, rows: RowOrder, fmt: PixelFormat
) -> None:
    client = connect(start_server().endpoint)
    pixels = noise(np.random.default_rng(rows * 2 + fmt), 37, 21, fmt)
    for encoding in ColorEncoding:
        result = client.stylize(pixels, rows, encoding)
        assert result.dtype == np.uint8 and result.tobytes() == pixels.tobytes()


def test_ping_needs_no_handshake_and_frames_do(start_server: StartServer, raw_dealer: Callable) -> None:
    dealer = raw_dealer(start_server().endpoint)
    dealer.send_multipart(encode_message(Message(Header(MessageType.PING, seq=3, t_client_us=42))))
    pong = decode_message(dealer.recv_multipart())
    assert (pong.header.type, pong.header.seq, pong.header.t_client_us) == (MessageType.PONG, 3, 42)
    assert pong.header.t_send_us >= pong.header.t_recv_us > 0
    frame = Header(MessageType.FRAME, seq=4, width=2, height=2, pixel_format=PixelFormat.RGB24)
    dealer.send_multipart(encode_message(Message(frame, [bytes(12)])))
    error = decode_message(dealer.recv_multipart())
    assert error.header.type == MessageType.ERROR and error.header.code == ErrorCode.NOT_READY
    assert error.header.seq == 4 and "HELLO" in error.body["message"]


@pytest.fixture(scope="module")
def frame_png(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_png(tmp_path_factory.mktemp("frame") / "frame.png", game_frame(np.random.default_rng(5), 72, 42))


@pytest.mark.parametrize("model_name", ["tiny_a.onnx", "tiny_a.pt"])
def test_a_served_model_matches_stylebridge_stylize(
    start_server: StartServer, connect: Connect, models_dir: Path, frame_png: Path, tmp_path: Path, model_name: str
) -> None:
    expected_path = tmp_path / "expected.png"
    assert main(["-q", "stylize", str(models_dir / "tiny_a.pt"), str(frame_png), "-o", str(expected_path)]) == 0
    expected = load_rgb(expected_path).astype(int)
    server = start_server(load_backend("auto", models_dir / model_name), watch=False)
    client = connect(server.endpoint)
    image = load_rgb(frame_png)

    top_down = client.stylize(image)
    assert np.abs(top_down.astype(int) - expected).max() <= 1

    unity_like = np.dstack([image, np.full(image.shape[:2], 200, np.uint8)])[::-1]  # RGBA, bottom-up
    result = client.stylize(unity_like, RowOrder.BOTTOM_UP)
    assert result.shape == unity_like.shape
    assert (result[:, :, 3] == 200).all()
    assert np.abs(result[::-1, :, :3].astype(int) - expected).max() <= 1


def test_compare_scores_our_own_result_as_identical(
    start_server: StartServer, connect: Connect, models_dir: Path, tmp_path: Path
) -> None:
    server = start_server(load_backend("onnxruntime", models_dir / "tiny_a.onnx"), compare_dir=tmp_path, watch=False)
    client = connect(server.endpoint)
    frame = noise(np.random.default_rng(1), 40, 24)
    ours = client.stylize(frame, RowOrder.BOTTOM_UP).copy()
    same = client.compare(frame, ours, RowOrder.BOTTOM_UP)
    assert same["max_abs"] == 0 and same["psnr"] == 100 and same["ssim"] == pytest.approx(1.0)

    ours[:5, :, :3] = 255 - ours[:5, :, :3]
    metrics = client.compare(frame, ours, RowOrder.BOTTOM_UP, save_visual=True)
    assert 0 < metrics["mean_abs"] < metrics["max_abs"] <= 1 and metrics["psnr"] < 40 and metrics["ssim"] < 1
    visual = load_rgb(metrics["visual"])
    heat = visual[CAPTION_PX : CAPTION_PX + 4 * 24, 2 * (4 * 40 + GAP) :][:, : 4 * 40]  # (40 px enlarged 4 times)
    assert heat[-1].max() > 0 and heat[0].max() == 0  # bottom-up: the changed rows are at the bottom


def test_a_flooding_client_gets_dropped_frames_and_the_newest_result(
    start_server: StartServer, connect: Connect, models_dir: Path
) -> None:
    server = start_server(load_backend("torch", models_dir / "tiny_a.pt"), watch=False)
    client = connect(server.endpoint)
    frames = [noise(np.random.default_rng(i), 96, 96) for i in range(8)]
    seqs = [client.send(client.frame_message(MessageType.FRAME, [frame])) for frame in frames]
    replies = {}
    while len(replies) < len(seqs):
        reply = client.receive(timeout=10.0)
        assert reply.seq not in replies, "a frame was answered twice"
        replies[reply.seq] = reply
    kinds = [replies[seq].type for seq in seqs]
    assert set(kinds) <= {MessageType.RESULT, MessageType.DROPPED}
    assert MessageType.DROPPED in kinds
    assert kinds[-1] == MessageType.RESULT  # the newest frame always wins
    assert "superseded" in next(r.body["reason"] for r in replies.values() if r.type == MessageType.DROPPED)
    assert server.stats.counts()["dropped"] == kinds.count(MessageType.DROPPED)


def test_two_clients_streaming_at_once_each_get_their_own_frames(start_server: StartServer, connect: Connect) -> None:
    endpoint = start_server().endpoint
    failures: list[str] = []

    def stream(name: str, seed: int) -> None:
        client = connect(endpoint, name=name)
        rng = np.random.default_rng(seed)
        sent: dict[int, np.ndarray] = {}
        results = 0
        while results < 40:
            frame = noise(rng, 64, 32)
            seq = client.submit(frame)
            if seq is not None:
                sent[seq] = frame
            for reply in client.poll(timeout=5.0):
                if reply.type != MessageType.RESULT or reply.image.tobytes() != sent[reply.seq].tobytes():
                    failures.append(f"{name}: {reply.type.name} for frame {reply.seq}")
                results += 1

    threads = [threading.Thread(target=stream, args=(f"client{i}", i)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures
    assert not any(thread.is_alive() for thread in threads)


def _malformed(rng: np.random.Generator) -> list[bytes]:
    """One random message that breaks the protocol in some way."""
    kind = int(rng.integers(9))
    fields = {"major": 1, "type": int(MessageType.FRAME), "w": 4, "h": 2, "fmt": 1}
    payload = bytes(32)
    if kind == 0:
        return [rng.bytes(int(rng.integers(0, 120))) for _ in range(int(rng.integers(1, 4)))]
    if kind == 1:
        fields["major"] = int(rng.choice([0, 2, 255]))
    elif kind == 2:
        fields["type"] = int(rng.integers(15, 256))
    elif kind == 3:
        payload = rng.bytes(int(rng.integers(0, 31)))
    elif kind == 4:
        fields["w"], fields["h"] = int(rng.integers(5000, 2**32)), int(rng.integers(5000, 2**32))
    elif kind == 5:
        fields["fmt"] = int(rng.integers(3, 256))
    elif kind == 6:
        fields["type"] = int(rng.choice([MessageType.HELLO, MessageType.CONTROL, MessageType.CAPTURE]))
        return [_header(**fields), rng.bytes(int(rng.integers(0, 40)))]  # wrong frame count or a body that is not JSON
    elif kind == 7:
        fields["type"] = int(rng.choice([MessageType.RESULT, MessageType.HELLO_ACK, MessageType.PONG]))
        return [_header(**fields)] + ([payload] if fields["type"] == MessageType.RESULT else [])
    else:
        return [_header(**fields), payload, payload]
    return [_header(**fields), payload]


def _header(major: int, type: int, w: int, h: int, fmt: int) -> bytes:
    return HEADER.pack(MAGIC, major, 0, type, 0, 1, w, h, fmt, 0, 0, 0, 0, 0, 0, 0, 0)


@pytest.mark.timeout(180)
def test_a_flood_of_malformed_messages_gets_errors_and_the_server_keeps_serving(
    start_server: StartServer, connect: Connect, raw_dealer: Callable
) -> None:
    server = start_server(capture_dir=None)
    dealer = raw_dealer(server.endpoint)
    dealer.send_multipart(encode_message(Message(Header(MessageType.HELLO), body={"client": "fuzzer"})))
    assert decode_message(dealer.recv_multipart()).header.type == MessageType.HELLO_ACK
    rng = np.random.default_rng(2024)
    codes = set()
    for _ in range(3000):
        dealer.send_multipart(_malformed(rng))
        reply = decode_message(dealer.recv_multipart())  # exactly one reply, within the timeout
        assert reply.header.type == MessageType.ERROR, reply
        assert reply.body["message"] and reply.body["code"] == ErrorCode(reply.header.code).name
        codes.add(ErrorCode(reply.header.code))
    assert codes >= {ErrorCode.BAD_HEADER, ErrorCode.VERSION_MISMATCH, ErrorCode.UNKNOWN_TYPE, ErrorCode.BAD_PARTS,
                     ErrorCode.BAD_SIZE, ErrorCode.TOO_LARGE, ErrorCode.BAD_FORMAT, ErrorCode.BAD_REQUEST}  # fmt: skip
    assert server.stats.counts()["errors"] == 3000

    frame = noise(rng, 16, 8)
    assert connect(server.endpoint).stylize(frame, RowOrder.BOTTOM_UP).tobytes() == frame.tobytes()


@pytest.mark.parametrize(
    ("message", "code"),
    [
        (Message(Header(MessageType.CONTROL), body={"op": "format_disk"}), ErrorCode.BAD_REQUEST),
        (Message(Header(MessageType.CONTROL), body={"op": "load_model", "model": "x.onnx"}), ErrorCode.BAD_REQUEST),
        (Message(Header(MessageType.CAPTURE, width=1, height=1, pixel_format=PixelFormat.RGB24), [bytes(3)], {}),
         ErrorCode.NOT_CONFIGURED),
        (Message(Header(MessageType.HELLO), body={"max_in_flight": "many"}), ErrorCode.BAD_BODY),
    ],
)  # fmt: skip
def test_requests_the_server_cannot_do_are_refused_clearly(
    start_server: StartServer, connect: Connect, message: Message, code: ErrorCode
) -> None:
    client = connect(start_server().endpoint)
    reply = client.request(message)
    assert reply.type == MessageType.ERROR and reply.header.code == code, reply.body
    with pytest.raises(ServerError, match=code.name):
        reply.raise_for_error()


def test_control_stats_reports_stages_counts_and_clients(start_server: StartServer, connect: Connect) -> None:
    client = connect(start_server().endpoint, name="stats-reader")
    client.stylize(noise(np.random.default_rng(0), 8, 8))
    stats = client.control("stats")
    assert stats["clients"] == ["stats-reader"]
    assert stats["model"]["backend"] == "passthrough" and stats["model"]["generation"] == 1
    assert stats["stats"]["counts"]["results"] == 1
    assert {"decode", "encode"} <= set(stats["stats"]["stages"])
    json.dumps(stats)  # JSON all the way down


def test_the_client_reconnects_after_a_server_restart(start_server: StartServer, connect: Connect) -> None:
    first = start_server()
    client = connect(first.endpoint, timeout=2.0)
    frame = noise(np.random.default_rng(3), 8, 4)
    assert client.stylize(frame).tobytes() == frame.tobytes()
    first.stop()
    with pytest.raises(BridgeError):
        client.stylize(frame)  # nobody is listening
    start_server(bind=first.endpoint)
    assert client.stylize(frame).tobytes() == frame.tobytes()


def test_a_streaming_client_resumes_after_a_server_restart(start_server: StartServer, connect: Connect) -> None:
    first = start_server()
    client = connect(first.endpoint, timeout=1.0)
    client.rehandshake_interval = 0.2
    rng = np.random.default_rng(4)

    def stream_until_results(wanted: int, seconds: float) -> list[MessageType]:
        kinds: list[MessageType] = []
        deadline = time.monotonic() + seconds
        while kinds.count(MessageType.RESULT) < wanted and time.monotonic() < deadline:
            client.submit(noise(rng, 16, 8))  # never blocks, server or not
            kinds += [reply.type for reply in client.poll(timeout=0.05)]
        return kinds

    assert stream_until_results(5, 10).count(MessageType.RESULT) == 5
    first.stop()
    assert MessageType.RESULT not in stream_until_results(1, 1.5)  # nobody there: frames wait or time out
    session = client.server["session"]
    start_server(bind=first.endpoint)
    assert stream_until_results(5, 20).count(MessageType.RESULT) == 5
    assert client.server["session"] != session  # a new handshake with the new server


def test_a_major_version_mismatch_is_refused(start_server: StartServer, raw_dealer: Callable) -> None:
    dealer = raw_dealer(start_server().endpoint)
    hello = bytearray(Header(MessageType.HELLO, seq=1).encode())
    hello[4] = 2
    dealer.send_multipart([bytes(hello), b"{}"])
    reply = decode_message(dealer.recv_multipart())
    assert reply.header.code == ErrorCode.VERSION_MISMATCH and "major" in reply.body["message"]


def test_a_second_server_on_the_same_endpoint_fails_clearly(start_server: StartServer) -> None:
    endpoint = start_server().endpoint
    with pytest.raises(BridgeBindError, match="another --bind"):
        start_server(bind=endpoint)


def test_the_server_grants_at_most_two_frames_in_flight(start_server: StartServer, connect: Connect) -> None:
    server = start_server(max_in_flight=8)
    assert connect(server.endpoint, max_in_flight=8).max_in_flight == 2  # a third could only displace the second
    assert connect(server.endpoint, max_in_flight=1).max_in_flight == 1
    with pytest.raises(BridgeConfigError, match="at least 1"):
        BridgeServer(load_backend("passthrough", None), ServerConfig(bind="tcp://127.0.0.1:0", max_in_flight=0))


def test_serve_help_says_which_max_in_flight_values_mean_something_and_why(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["serve", "--help"])
    flat = " ".join(capsys.readouterr().out.split())
    assert "--max-in-flight {1,2}" in flat
    assert "1 (lockstep" in flat and "or 2 (pipelined" in flat and "capped at 2" in flat and "(default: 2)" in flat


@pytest.mark.parametrize("in_flight", [2, 4])
def test_a_client_capturing_faster_than_the_model_runs_gets_no_drop_storm(
    start_server: StartServer, connect: Connect, models_dir: Path, in_flight: int
) -> None:
    """PROTOCOL.md, "Pacing": one send per capture, only with credit; a DROPPED's credit must not start a storm."""
    server = start_server(load_backend("torch", models_dir / "tiny_a.pt"), watch=False, max_in_flight=in_flight)
    client = connect(server.endpoint, max_in_flight=in_flight)
    frame = noise(np.random.default_rng(0), 192, 192)
    kinds: list[MessageType] = []
    deadline = time.monotonic() + 60
    while kinds.count(MessageType.RESULT) < 15 and time.monotonic() < deadline:
        client.submit(frame)  # a game loop: one capture per tick, sent if there is credit
        kinds += [reply.type for reply in client.poll(timeout=0.004)]
    assert kinds.count(MessageType.RESULT) == 15
    # before the cap and the early start of the waiting frame: 4 in flight, 5,124 DROPPED for 36 RESULTs
    assert kinds.count(MessageType.DROPPED) <= 2, kinds.count(MessageType.DROPPED)
