"""The message codec: round trips, the golden vectors Unity's tests share, and fuzzing of the decoder.

Set STYLEBRIDGE_WRITE_VECTORS=1 to rewrite the golden vectors after a deliberate protocol change.
"""

from __future__ import annotations

import json
import os
import struct
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bridge.protocol import (
    FLAG_SAVE_VISUAL,
    HEADER,
    HEADER_SIZE,
    LAYOUTS,
    MAGIC,
    ColorEncoding,
    ErrorCode,
    Header,
    Message,
    MessageType,
    PixelFormat,
    ProtocolError,
    RowOrder,
    decode_message,
    encode_message,
)

VECTORS = Path(__file__).resolve().parents[2] / "unity_package" / "Tests" / "Fixtures~" / "bridge"
WRITE = os.environ.get("STYLEBRIDGE_WRITE_VECTORS") == "1"


def _image(fmt: PixelFormat, start: int = 0) -> bytes:
    size = 4 * 2 * (4 if fmt == PixelFormat.RGBA32 else 3)
    return bytes((start + i) % 256 for i in range(size))


def _frame_header(kind: MessageType, seq: int, fmt: PixelFormat, **fields: Any) -> Header:
    return Header(kind, seq=seq, width=4, height=2, pixel_format=fmt, **fields)


RGBA, RGB = PixelFormat.RGBA32, PixelFormat.RGB24
MODEL = {"backend": "onnxruntime", "contract": None, "device": "CPUExecutionProvider", "generation": 1,
         "model": "style.onnx"}  # fmt: skip
CONTRACT = {"channels": "RGB", "color_encoding": "srgb", "input_range": "0_1", "layout": "NCHW", "output_range": "0_1",
            "row_origin": "top", "size_multiple": 4, "version": 1}  # fmt: skip
STAGE = {"count": 120, "mean_ms": 1.25, "p50_ms": 1.2, "p99_ms": 2.5}


def _times(t_client: int, t_recv: int, t_send: int) -> dict[str, int]:
    return {"t_client_us": t_client, "t_recv_us": t_recv, "t_send_us": t_send}


GOLDEN: dict[str, Message] = {
    "hello": Message(Header(MessageType.HELLO, seq=1, t_client_us=1_000),
                     body={"caps": ["frame", "compare", "capture", "control"], "client": "unity", "max_in_flight": 2}),
    "hello_ack": Message(Header(MessageType.HELLO_ACK, seq=1, **_times(1_000, 5_000, 5_010)),
                         body={"caps": ["frame", "rgba32"], "max_in_flight": 2, "max_pixels": 16777216, "model": MODEL,
                               "pixel_formats": ["RGBA32", "RGB24"], "protocol": "1.0", "server": "stylebridge 0.1.0",
                               "session": "0123456789abcdef"}),
    "hello_ack_with_contract": Message(
        Header(MessageType.HELLO_ACK, seq=1, **_times(1_000, 5_000, 5_010)),
        body={"caps": ["frame", "compare", "capture", "control", "rgba32", "rgb24", "bottom_up", "linear"],
              "max_in_flight": 1, "max_pixels": 2073600,
              "model": {**MODEL, "backend": "torch", "contract": CONTRACT, "device": "cuda:0", "model": "final.pt"},
              "pixel_formats": ["RGBA32", "RGB24"], "protocol": "1.0", "server": "stylebridge 0.1.0",
              "session": "fedcba9876543210"}),
    "frame_rgba32_bottom_up": Message(
        _frame_header(MessageType.FRAME, 7, RGBA, row_order=RowOrder.BOTTOM_UP, t_client_us=2_000), [_image(RGBA)]),
    "frame_rgb24_linear": Message(
        _frame_header(MessageType.FRAME, 8, RGB, color_encoding=ColorEncoding.LINEAR, t_client_us=2_100),
        [_image(RGB, 100)]),
    "result_rgba32_bottom_up": Message(
        _frame_header(MessageType.RESULT, 7, RGBA, row_order=RowOrder.BOTTOM_UP, generation=3,
                      **_times(2_000, 6_000, 6_900)), [_image(RGBA, 200)]),
    "dropped": Message(_frame_header(MessageType.DROPPED, 6, RGBA, row_order=RowOrder.BOTTOM_UP,
                                     **_times(1_900, 5_900, 6_000)), body={"reason": "superseded by frame 7"}),
    "error_bad_size": Message(_frame_header(MessageType.ERROR, 9, RGBA, code=ErrorCode.BAD_SIZE,
                                            **_times(2_200, 6_100, 6_105)),
                              body={"code": "BAD_SIZE", "message": "image part 0 holds 31 bytes, expected 32"}),
    "error_not_ready": Message(_frame_header(MessageType.ERROR, 15, RGBA, code=ErrorCode.NOT_READY,
                                             **_times(2_300, 6_200, 6_203)),
                               body={"code": "NOT_READY", "message": "send HELLO first"}),
    "error_version_mismatch": Message(Header(MessageType.ERROR, seq=16, code=ErrorCode.VERSION_MISMATCH,
                                             t_recv_us=6_300, t_send_us=6_302),
                                      body={"code": "VERSION_MISMATCH", "message": "protocol 2.0 is not understood"}),
    "compare": Message(_frame_header(MessageType.COMPARE, 10, RGBA, flags=FLAG_SAVE_VISUAL, t_client_us=2_400),
                       [_image(RGBA), _image(RGBA, 1)]),
    "compare_result": Message(_frame_header(MessageType.COMPARE_RESULT, 10, RGBA, generation=1,
                                            **_times(2_400, 6_400, 6_480)),
                              body={"max_abs": 0.00392156862745098, "mean_abs": 0.0031, "model": "style.onnx",
                                    "psnr": 48.1308, "ssim": 0.9991, "visual": "/data/ab/compare_00000010.png"}),
    "compare_result_visual_error": Message(
        _frame_header(MessageType.COMPARE_RESULT, 10, RGBA, generation=1, **_times(2_400, 6_400, 6_470)),
        body={"max_abs": 0.0, "mean_abs": 0.0, "model": "style.onnx", "psnr": 100.0, "ssim": 1.0, "visual": None,
              "visual_error": "start the server with --compare-dir DIR to save comparison images"}),
    "capture": Message(_frame_header(MessageType.CAPTURE, 11, RGB, t_client_us=2_500), [_image(RGB, 50)],
                       body={"frame_index": 120, "source": "level1/camera0"}),
    "capture_ack": Message(_frame_header(MessageType.CAPTURE_ACK, 11, RGB, **_times(2_500, 6_500, 9_000)),
                           body={"backlog": 0, "capacity": 16, "file": "00000042.png", "index": 42,
                                 "path": "/data/captures/00000042.png"}),
    "control_stats": Message(Header(MessageType.CONTROL, seq=12, t_client_us=2_600), body={"op": "stats"}),
    "control_reply_stats": Message(
        Header(MessageType.CONTROL_REPLY, seq=12, **_times(2_600, 6_600, 6_610)),
        body={"capture": {"backlog": 1, "capacity": 16, "dir": "/data/captures", "next_index": 43},
              "clients": ["unity"], "model": MODEL, "op": "stats",
              "stats": {"counts": {"dropped": 3, "frames": 123, "results": 120}, "fps": 29.97,
                        "stages": {"decode": STAGE, "encode": STAGE, "inference": STAGE, "postprocess": STAGE,
                                   "preprocess": STAGE}, "uptime_s": 42.5}}),
    "control_list_models": Message(Header(MessageType.CONTROL, seq=17, t_client_us=2_700), body={"op": "list_models"}),
    "control_reply_list_models": Message(
        Header(MessageType.CONTROL_REPLY, seq=17, **_times(2_700, 6_700, 6_705)),
        body={"models": [{"current": True, "name": "style.onnx"}, {"current": False, "name": "style_b.onnx"}],
              "op": "list_models"}),
    "control_load_model": Message(Header(MessageType.CONTROL, seq=13, t_client_us=2_800),
                                  body={"model": "style_b.onnx", "op": "load_model"}),
    "control_reply_load_model": Message(Header(MessageType.CONTROL_REPLY, seq=13, generation=2,
                                               **_times(2_800, 6_800, 7_800)),
                                        body={"generation": 2, "model": "style_b.onnx", "op": "load_model"}),
    "ping": Message(Header(MessageType.PING, seq=14, t_client_us=3_000)),
    "pong": Message(Header(MessageType.PONG, seq=14, **_times(3_000, 7_000, 7_001))),
}  # fmt: skip


def pack_parts(parts: list[bytes]) -> bytes:
    """The fixture file format: for each frame, a u32 little-endian length, then the frame's bytes."""
    return b"".join(struct.pack("<I", len(part)) + part for part in parts)


def unpack_parts(data: bytes) -> list[bytes]:
    parts, offset = [], 0
    while offset < len(data):
        (length,) = struct.unpack_from("<I", data, offset)
        parts.append(data[offset + 4 : offset + 4 + length])
        offset += 4 + length
    assert offset == len(data), "trailing bytes in a vector file"
    return parts


def header_fields(header: Header) -> dict[str, Any]:
    return {
        "type": header.type.name, "major": header.major, "minor": header.minor, "flags": header.flags,
        "seq": header.seq, "width": header.width, "height": header.height, "pixel_format": header.pixel_format.name,
        "row_order": header.row_order.name, "color_encoding": header.color_encoding.name, "code": header.code,
        "generation": header.generation, "t_client_us": header.t_client_us, "t_recv_us": header.t_recv_us,
        "t_send_us": header.t_send_us,
    }  # fmt: skip


def _index() -> dict[str, Any]:
    """What each vector decodes to, for the C# tests (which have no Python to ask)."""
    return {
        f"{name}.bin": {
            "header": header_fields(message.header),
            "frames": [len(bytes(part)) for part in encode_message(message)],
            "body": message.body,
        }
        for name, message in GOLDEN.items()
    }


def test_golden_vectors_cover_every_message_type() -> None:
    assert {message.header.type for message in GOLDEN.values()} == set(MessageType)


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_golden_vector_decodes_and_reencodes_byte_for_byte(name: str) -> None:
    path = VECTORS / f"{name}.bin"
    expected = pack_parts([bytes(part) for part in encode_message(GOLDEN[name])])
    if WRITE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(expected)
    data = path.read_bytes()
    message = decode_message(unpack_parts(data))
    assert header_fields(message.header) == header_fields(GOLDEN[name].header)
    assert [bytes(image) for image in message.images] == [bytes(image) for image in GOLDEN[name].images]
    assert message.body == GOLDEN[name].body
    assert pack_parts([bytes(part) for part in encode_message(message)]) == data


def test_golden_index_describes_the_vectors() -> None:
    path = VECTORS / "index.json"
    if WRITE:
        path.write_text(json.dumps(_index(), indent=2, sort_keys=True) + "\n")
    assert json.loads(path.read_text()) == _index()
    assert {p.name for p in VECTORS.glob("*.bin")} == set(_index())


def test_header_is_56_bytes_little_endian() -> None:
    data = Header(MessageType.FRAME, seq=0x0102030405060708, width=960, height=540, pixel_format=RGBA).encode()
    assert len(data) == HEADER_SIZE == 56
    assert data[:4] == MAGIC and data[4:8] == bytes([1, 0, MessageType.FRAME, 0])
    assert data[8:16] == bytes([8, 7, 6, 5, 4, 3, 2, 1])
    assert data[16:24] == (960).to_bytes(4, "little") + (540).to_bytes(4, "little")


def _header_bytes(**fields: Any) -> bytes:
    values = {"magic": MAGIC, "major": 1, "minor": 0, "type": 3, "flags": 0, "seq": 5, "width": 4, "height": 2,
              "fmt": 1, "rows": 0, "enc": 0, "reserved": 0, "code": 0, "gen": 0, "t1": 0, "t2": 0, "t3": 0}  # fmt: skip
    values.update(fields)
    return HEADER.pack(*values.values())


@pytest.mark.parametrize(
    ("parts", "code"),
    [
        ([b""], ErrorCode.BAD_HEADER),
        ([b"x" * 56], ErrorCode.BAD_HEADER),
        ([_header_bytes()[:-1]], ErrorCode.BAD_HEADER),
        ([_header_bytes(major=2), bytes(32)], ErrorCode.VERSION_MISMATCH),
        ([_header_bytes(type=99), bytes(32)], ErrorCode.UNKNOWN_TYPE),
        ([_header_bytes()], ErrorCode.BAD_PARTS),
        ([_header_bytes(), bytes(32), b"{}"], ErrorCode.BAD_PARTS),
        ([_header_bytes(fmt=9), bytes(32)], ErrorCode.BAD_FORMAT),
        ([_header_bytes(fmt=0), bytes(32)], ErrorCode.BAD_FORMAT),
        ([_header_bytes(rows=2), bytes(32)], ErrorCode.BAD_FORMAT),
        ([_header_bytes(), bytes(31)], ErrorCode.BAD_SIZE),
        ([_header_bytes(width=0), b""], ErrorCode.BAD_SIZE),
        ([_header_bytes(width=100_000, height=100_000), bytes(32)], ErrorCode.TOO_LARGE),
        ([_header_bytes(type=1), b"not json"], ErrorCode.BAD_BODY),
        ([_header_bytes(type=1), b"[1, 2]"], ErrorCode.BAD_BODY),
        ([_header_bytes(type=1), b"\xff\xfe"], ErrorCode.BAD_BODY),
    ],
)
def test_malformed_messages_raise_protocol_errors_with_codes(parts: list[bytes], code: ErrorCode) -> None:
    with pytest.raises(ProtocolError) as error:
        decode_message(parts)
    assert error.value.code == code
    assert error.value.reason


def test_a_newer_minor_version_decodes() -> None:
    message = decode_message([_header_bytes(minor=7), bytes(32)])
    assert message.header.minor == 7


@settings(max_examples=400, deadline=None)
@given(st.lists(st.binary(max_size=80), min_size=0, max_size=4))
def test_decoder_never_fails_other_than_with_a_protocol_error(parts: list[bytes]) -> None:
    try:
        decode_message(parts)
    except ProtocolError as error:
        assert isinstance(error.code, ErrorCode) and error.reason


headers = st.builds(
    _header_bytes,
    type=st.integers(0, 20),
    flags=st.integers(0, 255),
    seq=st.integers(0, 2**64 - 1),
    width=st.integers(0, 9),
    height=st.integers(0, 9),
    fmt=st.integers(0, 3),
    rows=st.integers(0, 2),
    enc=st.integers(0, 2),
    code=st.integers(0, 2**16 - 1),
    gen=st.integers(0, 2**16 - 1),
    t1=st.integers(0, 2**64 - 1),
)
bodies = st.one_of(
    st.binary(max_size=40),
    st.dictionaries(st.text(max_size=8), st.one_of(st.integers(), st.text(max_size=8), st.none()), max_size=4).map(
        lambda d: json.dumps(d).encode()
    ),
)


@settings(max_examples=600, deadline=None)
@given(headers, st.lists(st.one_of(st.binary(max_size=200), bodies), max_size=3))
def test_near_valid_messages_decode_strictly_and_reencode_identically(header: bytes, rest: list[bytes]) -> None:
    parts = [header, *rest]
    try:
        message = decode_message(parts)
    except ProtocolError as error:
        assert isinstance(error.code, ErrorCode) and error.reason
        return
    layout = LAYOUTS[message.header.type]
    assert len(parts) == 1 + layout.images + layout.body
    encoded = encode_message(message)
    assert bytes(encoded[0]) == header
    assert [bytes(p) for p in encoded[1 : 1 + layout.images]] == rest[: layout.images]
    if layout.body:
        assert json.loads(encoded[-1]) == json.loads(rest[-1])
