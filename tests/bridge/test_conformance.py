"""A client written from bridge/PROTOCOL.md alone, against the real server: the spec says enough, and the
server does what it says.

`SpecClient` uses struct, json and a bare DEALER; nothing from bridge/ touches the wire on the client side
(the server under test is the only bridge code). Its constants are copied from the spec's tables, so a
change to either side that the other does not follow fails here.
"""

from __future__ import annotations

import json
import math
import struct
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import zmq

from bridge.backends import load_backend
from bridge.server import BridgeServer
from pipeline.cli.main import main

pytestmark = pytest.mark.timeout(120)

StartServer = Callable[..., BridgeServer]
RawDealer = Callable[[str], zmq.Socket]

# PROTOCOL.md, "Header frame", "Message types", "Errors"
HEADER = struct.Struct("<4sBBBBQIIBBBBHHQQQ")
FIELDS = ("magic", "major", "minor", "type", "flags", "seq", "width", "height", "pixel_format", "row_order",
          "color_encoding", "reserved", "code", "generation", "t_client_us", "t_recv_us", "t_send_us")  # fmt: skip
TYPES = {"HELLO": 1, "HELLO_ACK": 2, "FRAME": 3, "RESULT": 4, "DROPPED": 5, "ERROR": 6, "COMPARE": 7,
         "COMPARE_RESULT": 8, "CAPTURE": 9, "CAPTURE_ACK": 10, "CONTROL": 11, "CONTROL_REPLY": 12, "PING": 13,
         "PONG": 14}  # fmt: skip
TYPE_NAMES = {number: name for name, number in TYPES.items()}
CODES = {"BAD_HEADER": 1, "VERSION_MISMATCH": 2, "UNKNOWN_TYPE": 3, "BAD_PARTS": 4, "BAD_FORMAT": 5, "BAD_SIZE": 6,
         "TOO_LARGE": 7, "BAD_BODY": 8, "NOT_READY": 9, "OVERLOADED": 10, "MODEL_ERROR": 11, "NOT_CONFIGURED": 12,
         "BAD_REQUEST": 13, "INTERNAL": 14}  # fmt: skip
CODE_NAMES = {number: name for name, number in CODES.items()}
RGBA32, RGB24 = 1, 2
MINOR = 1  # "Header frame": the minor version every reply carries
BOTTOM_UP, LINEAR = 1, 1
BODY_TYPES = {"HELLO", "HELLO_ACK", "DROPPED", "ERROR", "COMPARE_RESULT", "CAPTURE", "CAPTURE_ACK", "CONTROL",
              "CONTROL_REPLY"}  # fmt: skip
IMAGES = {"FRAME": 1, "RESULT": 1, "COMPARE": 2, "CAPTURE": 1}


def header(kind: int | str, seq: int = 0, **fields: Any) -> bytes:
    values = dict.fromkeys(FIELDS, 0) | {"magic": b"SBRG", "major": 1, "seq": seq, **fields}
    values["type"] = TYPES[kind] if isinstance(kind, str) else kind
    return HEADER.pack(*(values[name] for name in FIELDS))


@dataclass
class Reply:
    header: dict[str, Any]
    images: list[bytes]
    body: Any

    @property
    def type(self) -> str:
        return TYPE_NAMES[self.header["type"]]

    @property
    def code(self) -> str | None:
        return CODE_NAMES.get(self.header["code"]) if self.type == "ERROR" else None


class SpecClient:
    def __init__(self, dealer: zmq.Socket) -> None:
        self.dealer = dealer  # receives time out (raw_dealer), so a missing reply fails the test
        self.seq = 0

    def exchange(self, parts: list[bytes]) -> Reply:
        self.dealer.send_multipart(parts)
        return self.receive()

    def receive(self) -> Reply:
        parts = self.dealer.recv_multipart()
        fields = dict(zip(FIELDS, HEADER.unpack(parts[0]), strict=True))
        kind = TYPE_NAMES[fields["type"]]
        images = parts[1 : 1 + IMAGES.get(kind, 0)]
        assert len(parts) == 1 + len(images) + (kind in BODY_TYPES)
        return Reply(fields, images, json.loads(parts[-1]) if kind in BODY_TYPES else None)

    def request(self, kind: str, body: dict[str, Any] | bytes | None = None, images: tuple[bytes, ...] = (),
                **fields: Any) -> Reply:  # fmt: skip
        self.seq += 1
        parts = [header(kind, self.seq, **fields), *images]
        if body is not None:
            parts.append(body if isinstance(body, bytes) else json.dumps(body).encode())
        reply = self.exchange(parts)
        assert reply.header["seq"] == self.seq
        return reply

    def hello(self, name: str = "spec-client") -> dict[str, Any]:
        reply = self.request("HELLO", {"client": name, "caps": ["frame"], "max_in_flight": 2})
        assert reply.type == "HELLO_ACK", reply.body
        return reply.body


@pytest.fixture
def spec_client(raw_dealer: RawDealer) -> Callable[[str], SpecClient]:
    return lambda endpoint: SpecClient(raw_dealer(endpoint))


# -- bodies are Unicode ---------------------------------------------------------------------------------


def test_a_lone_surrogate_in_hello_is_bad_body_and_other_clients_stats_stay_healthy(
    start_server: StartServer, spec_client: Callable[[str], SpecClient]
) -> None:
    endpoint = start_server().endpoint
    stranger, healthy = spec_client(endpoint), spec_client(endpoint)
    for body in (b'{"client":"\\ud800x"}', b'{"\\udc00":1,"client":"key"}', b'{"caps":["frame","\\udbff"]}'):
        refused = stranger.request("HELLO", body)
        assert refused.code == "BAD_BODY" and "surrogate" in refused.body["message"], refused.body
    healthy.hello("healthy")
    stats = healthy.request("CONTROL", {"op": "stats"})
    assert stats.type == "CONTROL_REPLY", stats.body
    assert stats.body["clients"] == ["healthy"]
    assert stranger.request("CONTROL", {"op": "stats"}).code == "NOT_READY"  # never registered
    paired = stranger.request("HELLO", b'{"client":"\\ud83d\\ude00"}')  # a complete pair is a character
    assert paired.type == "HELLO_ACK"
    assert "\U0001f600" in healthy.request("CONTROL", {"op": "stats"}).body["clients"]


def _strict_lines(path: Path) -> list[dict[str, Any]]:
    """JSON lines as a strict reader (C#, Go, Rust) takes them: every string must be Unicode text."""
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    json.dumps(lines, ensure_ascii=False).encode("utf-8")  # raises on a lone surrogate
    return lines


def test_a_lone_surrogate_in_a_capture_source_is_bad_body_and_never_reaches_the_manifest(
    start_server: StartServer, spec_client: Callable[[str], SpecClient], tmp_path: Path
) -> None:
    client = spec_client(start_server(capture_dir=tmp_path).endpoint)
    client.hello("capturer")
    pixel = dict(width=1, height=1, pixel_format=RGB24, images=(bytes([1, 2, 3]),))
    refused = client.request("CAPTURE", b'{"source":"cam\\udc00"}', **pixel)
    assert refused.code == "BAD_BODY"
    saved = client.request("CAPTURE", {"source": "caméra 😀", "frame_index": 3}, **pixel)
    assert saved.type == "CAPTURE_ACK" and saved.body["file"] == "00000000.png"
    (line,) = _strict_lines(tmp_path / "manifest.jsonl")
    assert line["source"] == "caméra 😀" and line["frame_index"] == 3


# -- HELLO fields ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [{"client": 5}, {"client": ["unity"]}, {"caps": "frame"}, {"caps": ["frame", 1]}, {"caps": {"frame": True}},
     {"max_in_flight": 0}, {"max_in_flight": 2.0}, {"max_in_flight": "2"}, {"max_in_flight": True}],
)  # fmt: skip
def test_hello_fields_of_the_wrong_type_are_bad_body(
    start_server: StartServer, spec_client: Callable[[str], SpecClient], body: dict[str, Any]
) -> None:
    client = spec_client(start_server().endpoint)
    refused = client.request("HELLO", body, t_client_us=77)
    assert refused.code == "BAD_BODY", refused.body
    assert refused.header["t_client_us"] == 77  # a readable header is echoed
    assert client.request("CONTROL", {"op": "stats"}).code == "NOT_READY"


def test_every_hello_field_is_optional(
    start_server: StartServer, spec_client: Callable[[str], SpecClient], raw_dealer: RawDealer
) -> None:
    endpoint = start_server(max_in_flight=1).endpoint
    bare = spec_client(endpoint)
    ack = bare.request("HELLO", {})
    assert ack.type == "HELLO_ACK" and ack.body["max_in_flight"] == 1
    assert len(ack.body["session"]) == 16 and int(ack.body["session"], 16) >= 0
    nulls = spec_client(endpoint).request("HELLO", {"client": None, "caps": None, "max_in_flight": None})
    assert nulls.type == "HELLO_ACK"
    long_name = spec_client(endpoint)
    long_name.hello("😀" * 150)  # 150 code points (300 UTF-16 units): the first 100 are kept
    clients = long_name.request("CONTROL", {"op": "stats"}).body["clients"]
    assert "😀" * 100 in clients
    assert all(name == "😀" * 100 or int(name, 16) >= 0 for name in clients)  # unnamed: the identity in hex


# -- passthrough ----------------------------------------------------------------------------------------


def test_passthrough_reports_its_model_as_null_and_has_no_model_folder(
    start_server: StartServer, spec_client: Callable[[str], SpecClient], tmp_path: Path
) -> None:
    (tmp_path / "a.onnx").write_bytes(b"a model file by its name")
    client = spec_client(start_server(model_root=tmp_path).endpoint)  # `serve --backend passthrough --model DIR`
    expected = {
        "backend": "passthrough",
        "model": None,
        "device": "cpu",
        "contract": None,
        "served_contract": None,
        "generation": 1,
    }  # (PROTOCOL.md, "Passthrough")
    assert client.hello()["model"] == expected
    assert client.request("CONTROL", {"op": "stats"}).body["model"] == expected
    image = bytes(range(4 * 3 * 2))
    compared = client.request("COMPARE", images=(image, image), width=3, height=2, pixel_format=RGBA32)
    assert compared.type == "COMPARE_RESULT" and compared.body["model"] is None
    assert compared.body["max_abs"] == 0 and compared.body["psnr"] == 100
    assert client.request("CONTROL", {"op": "list_models"}).body["models"] == []
    assert client.request("CONTROL", {"op": "load_model", "model": "a.onnx"}).code == "BAD_REQUEST"


def test_passthrough_returns_the_frame_bytes_untouched_in_every_layout(
    start_server: StartServer, spec_client: Callable[[str], SpecClient]
) -> None:
    client = spec_client(start_server().endpoint)
    client.hello()
    image = bytes(range(5 * 3 * 3))
    result = client.request("FRAME", images=(image,), width=5, height=3, pixel_format=RGB24, row_order=BOTTOM_UP,
                            color_encoding=LINEAR)  # fmt: skip
    assert result.type == "RESULT" and result.images == [image] and result.header["generation"] == 1


# -- reply headers ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("parts", "code", "seq"),
    [
        ([b"SBR"], "BAD_HEADER", 0),
        ([b"XXXX" + header("FRAME", 7, width=4, height=2, pixel_format=RGBA32)[4:], bytes(32)], "BAD_HEADER", 0),
        ([header("HELLO", 7, major=2, width=4, height=2, t_client_us=123), b"{}"], "VERSION_MISMATCH", 7),
        ([header(99, 7, width=4, height=2, pixel_format=RGBA32, t_client_us=123), bytes(32)], "UNKNOWN_TYPE", 7),
        ([header("FRAME", 7, width=4, height=2, pixel_format=9, t_client_us=123), bytes(32)], "BAD_FORMAT", 7),
        ([header("PING", 7, row_order=5, t_client_us=123)], "BAD_FORMAT", 7),
    ],
)
def test_an_error_to_an_unreadable_header_carries_only_the_seq_and_server_times(
    start_server: StartServer, spec_client: Callable[[str], SpecClient], parts: list[bytes], code: str, seq: int
) -> None:
    reply = spec_client(start_server().endpoint).exchange(parts)
    assert reply.type == "ERROR" and reply.code == code and reply.body["code"] == code
    fields = reply.header
    assert (fields["magic"], fields["major"], fields["minor"], fields["seq"]) == (b"SBRG", 1, MINOR, seq)
    zero = ("flags", "width", "height", "pixel_format", "row_order", "color_encoding", "generation", "t_client_us")
    assert {name: fields[name] for name in zero} == dict.fromkeys(zero, 0)
    assert fields["t_send_us"] >= fields["t_recv_us"] > 0


def test_an_error_to_a_readable_header_echoes_it(
    start_server: StartServer, spec_client: Callable[[str], SpecClient]
) -> None:
    request = header("FRAME", 9, width=4, height=2, pixel_format=RGB24, row_order=BOTTOM_UP, color_encoding=LINEAR,
                     t_client_us=123)  # fmt: skip
    reply = spec_client(start_server().endpoint).exchange([request, bytes(23)])
    assert reply.code == "BAD_SIZE"
    echoed = ("seq", "width", "height", "pixel_format", "row_order", "color_encoding", "t_client_us")
    assert [reply.header[name] for name in echoed] == [9, 4, 2, RGB24, BOTTOM_UP, LINEAR, 123]
    assert reply.header["t_send_us"] >= reply.header["t_recv_us"] > 0


# -- precedence -----------------------------------------------------------------------------------------

PIXEL = {"width": 1, "height": 1, "pixel_format": RGB24}
FRAME_1x1 = [header("FRAME", 1, **PIXEL), bytes(3)]


def _body(kind: str, body: dict[str, Any], **fields: Any) -> list[bytes]:
    images = [bytes(3)] * IMAGES.get(kind, 0)
    return [header(kind, 1, **fields), *images, json.dumps(body).encode()]


@pytest.mark.parametrize(
    ("hello_first", "parts", "code"),
    [
        (False, [header(99, 1, major=2)], "VERSION_MISMATCH"),  # the version before the type
        (False, [header(99, 1, pixel_format=9)], "UNKNOWN_TYPE"),  # the type before the enums
        (False, [header("FRAME", 1, pixel_format=9)], "BAD_FORMAT"),  # the enums before the frame count
        (False, [header("PING", 1), b"{}"], "BAD_PARTS"),
        (False, [header("FRAME", 1, width=0, height=9), bytes(3)], "BAD_FORMAT"),  # pixel format 0 before the size
        (False, [header("FRAME", 1, width=0, height=10**9, pixel_format=RGB24), b""], "BAD_SIZE"),
        (False, [header("FRAME", 1, width=10**5, height=10**5, pixel_format=RGB24), b""], "TOO_LARGE"),
        (False, [header("HELLO", 1, pixel_format=RGB24, width=1, height=1), b"[]"], "BAD_BODY"),
        (False, [header("RESULT", 1, **PIXEL), bytes(3)], "BAD_REQUEST"),  # a server type before the handshake
        (False, _body("CAPTURE", {"source": 5}, **PIXEL), "BAD_BODY"),  # body fields before the handshake
        (False, _body("CONTROL", {"op": "format_disk"}), "BAD_REQUEST"),
        (False, _body("CONTROL", {"op": "stats"}), "NOT_READY"),
        (False, FRAME_1x1, "NOT_READY"),
        (True, _body("CAPTURE", {"frame_index": "7"}, **PIXEL), "BAD_BODY"),  # body fields before features
        (True, _body("CAPTURE", {"frame_index": 7}, **PIXEL), "NOT_CONFIGURED"),
        (True, _body("CONTROL", {"op": 5}), "BAD_BODY"),
        (True, _body("CONTROL", {}), "BAD_BODY"),
        (True, _body("CONTROL", {"op": "load_model"}), "BAD_BODY"),
        (True, _body("CONTROL", {"op": "load_model", "model": 5}), "BAD_BODY"),
        (True, _body("CONTROL", {"op": "stats", "model": 5}), "BAD_BODY"),  # `model` checked on every op
        (True, _body("CONTROL", {"op": "load_model", "model": "x.onnx"}), "BAD_REQUEST"),
    ],
)
def test_the_first_applicable_error_in_the_spec_order_wins(
    start_server: StartServer, spec_client: Callable[[str], SpecClient], hello_first: bool, parts: list[bytes],
    code: str,
) -> None:  # fmt: skip
    client = spec_client(start_server().endpoint)
    if hello_first:
        client.hello()
    reply = client.exchange(parts)
    assert reply.code == code, reply.body


# -- COMPARE metrics, written from the spec ---------------------------------------------------------------


def _spec_unit(data: bytes, width: int, height: int, channels: int, rows: int, encoding: int) -> np.ndarray:
    """PROTOCOL.md, "COMPARE metrics": upright sRGB RGB in [0, 1], float64."""
    image = np.frombuffer(data, np.uint8).reshape(height, width, channels)[:, :, :3] / 255.0
    if rows == BOTTOM_UP:
        image = image[::-1]
    if encoding == LINEAR:
        image = np.where(image <= 0.0031308, 12.92 * image, 1.055 * image ** (1 / 2.4) - 0.055)
    return image


def _spec_ssim(x: np.ndarray, y: np.ndarray) -> float:
    height, width = x.shape[:2]
    n = min(11, height, width)
    n -= 1 if n % 2 == 0 else 0
    s = 1.5 * n / 11
    g = np.exp(-((np.arange(n) - (n - 1) / 2) ** 2) / (2 * s**2))
    g /= g.sum()
    w = np.outer(g, g)
    windows = [(i, j) for i in range(height - n + 1) for j in range(width - n + 1)]
    values = []
    for c in range(3):
        for i, j in windows:
            a, b = x[i : i + n, j : j + n, c], y[i : i + n, j : j + n, c]
            mx, my = (w * a).sum(), (w * b).sum()
            vx, vy = (w * a * a).sum() - mx**2, (w * b * b).sum() - my**2
            cxy = (w * a * b).sum() - mx * my
            c1, c2 = 0.01**2, 0.03**2
            values.append(((2 * mx * my + c1) * (2 * cxy + c2)) / ((mx**2 + my**2 + c1) * (vx + vy + c2)))
    return float(np.mean(values))


@pytest.mark.parametrize(
    ("width", "height", "rows", "encoding"),
    [(1, 1, 0, 0), (3, 2, 0, 0), (4, 5, BOTTOM_UP, 0), (10, 12, 0, LINEAR), (11, 11, 0, 0), (17, 13, BOTTOM_UP, 0),
     (24, 9, BOTTOM_UP, LINEAR), (40, 30, 0, 0)],
)  # fmt: skip
def test_compare_metrics_match_the_spec_formulas(
    start_server: StartServer, spec_client: Callable[[str], SpecClient], width: int, height: int, rows: int,
    encoding: int,
) -> None:  # fmt: skip
    client = spec_client(start_server().endpoint)
    client.hello()
    rng = np.random.default_rng(width * 100 + height)
    source = rng.integers(0, 256, (height, width, 4), dtype=np.uint8)
    engine = np.clip(source.astype(int) + rng.integers(-40, 41, source.shape), 0, 255).astype(np.uint8)
    reply = client.request("COMPARE", images=(source.tobytes(), engine.tobytes()), width=width, height=height,
                           pixel_format=RGBA32, row_order=rows, color_encoding=encoding)  # fmt: skip
    assert reply.type == "COMPARE_RESULT", reply.body
    ours, theirs = (_spec_unit(image.tobytes(), width, height, 4, rows, encoding) for image in (source, engine))
    d = np.abs(ours - theirs)
    psnr = min(100.0, 10 * math.log10(1 / float(np.mean(d**2))))
    assert reply.body["max_abs"] == pytest.approx(d.max(), abs=1e-6)
    assert reply.body["mean_abs"] == pytest.approx(d.mean(), abs=1e-6)
    assert reply.body["psnr"] == pytest.approx(psnr, abs=1e-3)
    assert reply.body["ssim"] == pytest.approx(_spec_ssim(ours, theirs), abs=1e-4)


# -- versions: a 1.0 client is unaffected by 1.1; a 1.1 client gets the diagnosis the spec lists -----------------

COMPARE_RESULT_1_0 = {"max_abs", "mean_abs", "psnr", "ssim", "model", "visual"}
DIAGNOSE = 2  # COMPARE flag bit 1 (protocol 1.1)
DIAGNOSIS_FIELDS = {"verdict", "summary", "explanation", "label", "psnr", "as_is_psnr", "margin_db", "fix", "sampled",
                    "note", "engine_model", "seconds"}  # fmt: skip


def test_a_client_stating_protocol_1_0_gets_what_1_0_promised(
    start_server: StartServer, spec_client: Callable[[str], SpecClient], models_dir: Path
) -> None:
    client = spec_client(start_server(load_backend("onnxruntime", models_dir / "tiny_a.onnx"), watch=False).endpoint)
    hello = client.request("HELLO", {"client": "old"}, minor=0)
    assert hello.type == "HELLO_ACK" and hello.header["minor"] == MINOR and hello.body["protocol"] == f"1.{MINOR}"
    rng = np.random.default_rng(9)
    source, engine = (rng.integers(0, 256, (8, 12, 4), dtype=np.uint8).tobytes() for _ in range(2))
    reply = client.request("COMPARE", images=(source, engine), width=12, height=8, pixel_format=RGBA32, minor=0)
    assert reply.type == "COMPARE_RESULT" and set(reply.body) == COMPARE_RESULT_1_0
    assert client.request("FRAME", images=(source,), width=12, height=8, pixel_format=RGBA32, minor=0).type == "RESULT"


def test_a_1_1_compare_with_flag_bit_1_carries_the_diagnosis_fields_the_spec_lists(
    start_server: StartServer, spec_client: Callable[[str], SpecClient], models_dir: Path
) -> None:
    client = spec_client(start_server(load_backend("onnxruntime", models_dir / "tiny_a.onnx"), watch=False).endpoint)
    assert "diagnosis" in client.hello()["caps"]
    frame = np.random.default_rng(10).integers(0, 256, (16, 20, 3), dtype=np.uint8).tobytes()
    size = {"width": 20, "height": 16, "pixel_format": RGB24, "minor": 1}
    ours = client.request("FRAME", images=(frame,), **size).images[0]
    reply = client.request("COMPARE", images=(frame, ours), flags=DIAGNOSE, **size)
    assert set(reply.body) == COMPARE_RESULT_1_0 | {"diagnosis"} and set(reply.body["diagnosis"]) == DIAGNOSIS_FIELDS
    assert reply.body["diagnosis"]["verdict"] == "matches"


# -- frame sizes ----------------------------------------------------------------------------------------


def test_a_1x1_frame_is_a_valid_frame_for_every_image_request(
    start_server: StartServer, spec_client: Callable[[str], SpecClient], tmp_path: Path
) -> None:
    client = spec_client(start_server(capture_dir=tmp_path).endpoint)
    client.hello()
    pixel = bytes([10, 20, 30, 40])
    one = {"width": 1, "height": 1, "pixel_format": RGBA32}
    assert client.request("FRAME", images=(pixel,), **one).images == [pixel]
    assert client.request("COMPARE", images=(pixel, pixel), **one).body["ssim"] == pytest.approx(1.0)
    assert client.request("CAPTURE", {}, images=(pixel,), **one).type == "CAPTURE_ACK"
    assert client.request("FRAME", images=(b"",), width=0, height=1, pixel_format=RGBA32).code == "BAD_SIZE"


# -- CURVE key files, read as the spec says ----------------------------------------------------------------


def _read_certificate(path: Path) -> dict[str, bytes]:
    """PROTOCOL.md, "Security": `public-key` / `secret-key` lines, the value after '=' without blanks and quotes."""
    keys = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line.startswith("#"):
            continue
        for name in ("public-key", "secret-key"):
            if line.startswith(name):
                keys[name] = line.split("=", 1)[1].strip(" \t'\"").encode("ascii")
    return keys


def test_curve_key_files_read_as_the_spec_says_let_a_client_in(start_server: StartServer, tmp_path: Path) -> None:
    folder = tmp_path / "keys"
    assert main(["keys", str(folder), "--client-name", "unity"]) == 0
    names = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    assert names == {"server.key", "server.key_secret", "unity.key", "unity.key_secret",
                     "authorized_clients/unity.key"}  # fmt: skip
    server_public = _read_certificate(folder / "server.key")
    assert set(server_public) == {"public-key"} and len(server_public["public-key"]) == 40
    assert len(zmq.utils.z85.decode(server_public["public-key"])) == 32
    own = _read_certificate(folder / "unity.key_secret")
    endpoint = start_server(curve_keys=folder).endpoint
    context = zmq.Context()
    try:
        socket = context.socket(zmq.DEALER)
        socket.setsockopt(zmq.LINGER, 0)
        socket.setsockopt(zmq.RCVTIMEO, 5000)
        socket.curve_serverkey = server_public["public-key"]
        socket.curve_publickey = own["public-key"]
        socket.curve_secretkey = own["secret-key"]
        socket.connect(endpoint)
        ack = SpecClient(socket).request("HELLO", {"client": "curve"})
        assert ack.type == "HELLO_ACK"
        socket.close(linger=0)
    finally:
        context.destroy(linger=0)
