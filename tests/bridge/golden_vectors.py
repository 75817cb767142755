"""The protocol's golden vectors: what each file holds, and the code that writes the files, index.json and README.

The files live in unity_package/Tests/Fixtures~/bridge/ so the Unity package's C# tests read the same bytes
the Python tests do. `tests/bridge/test_protocol.py` checks them; with STYLEBRIDGE_WRITE_VECTORS=1 it
rewrites them from the definitions here (after a deliberate protocol change).

Most vectors are messages an implementation must decode and re-encode to the same bytes. A *refused*
vector is a message a server must answer with an ERROR (its `error`): a body that is not Unicode, fields of
the wrong type. Bodies that cannot be a Python dict on the wire (a lone surrogate) are given as raw bytes.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bridge.protocol import (
    FLAG_SAVE_VISUAL,
    ColorEncoding,
    ErrorCode,
    Header,
    Message,
    MessageType,
    PixelFormat,
    RowOrder,
    encode_message,
)

VECTORS = Path(__file__).resolve().parents[2] / "unity_package" / "Tests" / "Fixtures~" / "bridge"


@dataclass(frozen=True)
class Vector:
    message: Message  # for a raw body, the header and images; its body is None
    about: str  # one line for index.json and the README
    error: ErrorCode | None = None  # a refused message: the ERROR code a server answers it with
    raw_body: bytes | None = None  # a body frame that is not a JSON value Python can hold

    def parts(self) -> list[bytes]:
        if self.raw_body is None:
            return [bytes(part) for part in encode_message(self.message)]
        return [self.message.header.encode(), *(bytes(image) for image in self.message.images), self.raw_body]


def _image(fmt: PixelFormat, start: int = 0) -> bytes:
    size = 4 * 2 * (4 if fmt == PixelFormat.RGBA32 else 3)
    return bytes((start + i) % 256 for i in range(size))


def _frame_header(kind: MessageType, seq: int, fmt: PixelFormat, **fields: Any) -> Header:
    return Header(kind, seq=seq, width=4, height=2, pixel_format=fmt, **fields)


def _times(t_client: int, t_recv: int, t_send: int) -> dict[str, int]:
    return {"t_client_us": t_client, "t_recv_us": t_recv, "t_send_us": t_send}


RGBA, RGB = PixelFormat.RGBA32, PixelFormat.RGB24
MODEL = {"backend": "onnxruntime", "contract": None, "device": "CPUExecutionProvider", "generation": 1,
         "model": "style.onnx"}  # fmt: skip
PASSTHROUGH = {"backend": "passthrough", "contract": None, "device": "cpu", "generation": 1, "model": None}
CONTRACT = {"channels": "RGB", "color_encoding": "srgb", "input_range": "0_1", "layout": "NCHW", "output_range": "0_1",
            "row_origin": "top", "size_multiple": 4, "version": 1}  # fmt: skip
STAGE = {"count": 120, "mean_ms": 1.25, "p50_ms": 1.2, "p99_ms": 2.5}
ALL_CAPS = ["frame", "compare", "capture", "control", "rgba32", "rgb24", "bottom_up", "linear"]
SURROGATE_MESSAGE = ("the body holds the string '\\ud800x' with a lone UTF-16 surrogate (a \\uD800-\\uDFFF escape "
                     "without its pair), which is not Unicode text; send the character itself or a complete "
                     "surrogate pair")  # fmt: skip


def _ack_body(session: str, model: dict[str, Any], caps: list[str], max_in_flight: int = 2) -> dict[str, Any]:
    return {"caps": caps, "max_in_flight": max_in_flight, "max_pixels": 16777216, "model": model,
            "pixel_formats": ["RGBA32", "RGB24"], "protocol": "1.0", "server": "stylebridge 0.1.0",
            "session": session}  # fmt: skip


GOLDEN: dict[str, Vector] = {
    "hello": Vector(
        Message(Header(MessageType.HELLO, seq=1, t_client_us=1_000),
                body={"caps": ["frame", "compare", "capture", "control"], "client": "unity", "max_in_flight": 2}),
        'HELLO, seq 1: client "unity", caps, wants 2 frames in flight'),
    "hello_minimal": Vector(
        Message(Header(MessageType.HELLO, seq=1, t_client_us=1_000), body={}),
        "HELLO, seq 1, body `{}`: every HELLO field is optional"),
    "hello_ack": Vector(
        Message(Header(MessageType.HELLO_ACK, seq=1, **_times(1_000, 5_000, 5_010)),
                body=_ack_body("0123456789abcdef", MODEL, ["frame", "rgba32"])),
        "HELLO_ACK to it: server, session, granted 2 in flight, model info (contract null)"),
    "hello_ack_with_contract": Vector(
        Message(Header(MessageType.HELLO_ACK, seq=1, **_times(1_000, 5_000, 5_010)),
                body={**_ack_body("fedcba9876543210", {**MODEL, "backend": "torch", "contract": CONTRACT,
                                                       "device": "cuda:0", "model": "final.pt"}, ALL_CAPS, 1),
                      "max_pixels": 2073600}),
        "HELLO_ACK from a torch server on CUDA: every cap, 1 in flight, the model's pixel contract"),
    "hello_ack_passthrough": Vector(
        Message(Header(MessageType.HELLO_ACK, seq=1, **_times(1_000, 5_000, 5_004)),
                body=_ack_body("00112233445566ff", PASSTHROUGH, ALL_CAPS)),
        "HELLO_ACK from a passthrough server: model null, contract null, backend passthrough"),
    "frame_rgba32_bottom_up": Vector(
        Message(_frame_header(MessageType.FRAME, 7, RGBA, row_order=RowOrder.BOTTOM_UP, t_client_us=2_000),
                [_image(RGBA)]),
        "FRAME seq 7: 4x2 RGBA32, bottom-up rows, sRGB, bytes 0..31"),
    "frame_rgb24_linear": Vector(
        Message(_frame_header(MessageType.FRAME, 8, RGB, color_encoding=ColorEncoding.LINEAR, t_client_us=2_100),
                [_image(RGB, 100)]),
        "FRAME seq 8: 4x2 RGB24, top-down rows, linear encoding, bytes 100..123"),
    "result_rgba32_bottom_up": Vector(
        Message(_frame_header(MessageType.RESULT, 7, RGBA, row_order=RowOrder.BOTTOM_UP, generation=3,
                              **_times(2_000, 6_000, 6_900)), [_image(RGBA, 200)]),
        "RESULT for seq 7: same layout, model generation 3, server timestamps"),
    "dropped": Vector(
        Message(_frame_header(MessageType.DROPPED, 6, RGBA, row_order=RowOrder.BOTTOM_UP,
                              **_times(1_900, 5_900, 6_000)), body={"reason": "superseded by frame 7"}),
        'DROPPED for seq 6 (a bottom-up RGBA32 frame), reason "superseded by frame 7"'),
    "error_bad_size": Vector(
        Message(_frame_header(MessageType.ERROR, 9, RGBA, code=ErrorCode.BAD_SIZE, **_times(2_200, 6_100, 6_105)),
                body={"code": "BAD_SIZE", "message": "image part 0 holds 31 bytes, expected 32"}),
        "ERROR for FRAME seq 9 (4x2 RGBA32), code 6 BAD_SIZE: a readable header, so its fields are echoed"),
    "error_not_ready": Vector(
        Message(_frame_header(MessageType.ERROR, 15, RGBA, code=ErrorCode.NOT_READY, **_times(2_300, 6_200, 6_203)),
                body={"code": "NOT_READY", "message": "send HELLO first"}),
        "ERROR for FRAME seq 15, code 9 NOT_READY (send HELLO again)"),
    "error_bad_body": Vector(
        Message(Header(MessageType.ERROR, seq=2, code=ErrorCode.BAD_BODY, **_times(1_100, 5_100, 5_102)),
                body={"code": "BAD_BODY", "message": SURROGATE_MESSAGE}),
        "ERROR for `hello_lone_surrogate.bin` (seq 2), code 8 BAD_BODY: echoes the HELLO's header fields"),
    "error_version_mismatch": Vector(
        Message(Header(MessageType.ERROR, seq=16, code=ErrorCode.VERSION_MISMATCH, t_recv_us=6_300, t_send_us=6_302),
                body={"code": "VERSION_MISMATCH", "message": "protocol 2.0 is not understood"}),
        "ERROR seq 16, code 2 VERSION_MISMATCH: the request's header was unreadable, so only seq is echoed "
        "(t_client_us 0), server times set"),
    "error_unknown_type": Vector(
        Message(Header(MessageType.ERROR, seq=18, code=ErrorCode.UNKNOWN_TYPE, t_recv_us=6_400, t_send_us=6_401),
                body={"code": "UNKNOWN_TYPE", "message": "unknown message type 99"}),
        "ERROR seq 18, code 3 UNKNOWN_TYPE: an unreadable header with a readable seq"),
    "error_bad_header": Vector(
        Message(Header(MessageType.ERROR, code=ErrorCode.BAD_HEADER, t_recv_us=6_500, t_send_us=6_501),
                body={"code": "BAD_HEADER", "message": "the header frame must be 56 bytes, got 3"}),
        "ERROR seq 0, code 1 BAD_HEADER: nothing of the request could be read; only the server times are set"),
    "compare": Vector(
        Message(_frame_header(MessageType.COMPARE, 10, RGBA, flags=FLAG_SAVE_VISUAL, t_client_us=2_400),
                [_image(RGBA), _image(RGBA, 1)]),
        "COMPARE seq 10, flag bit 0 (save a visual): input and engine output, 4x2 RGBA32"),
    "compare_result": Vector(
        Message(_frame_header(MessageType.COMPARE_RESULT, 10, RGBA, generation=1, **_times(2_400, 6_400, 6_480)),
                body={"max_abs": 0.00392156862745098, "mean_abs": 0.0031, "model": "style.onnx", "psnr": 48.1308,
                      "ssim": 0.9991, "visual": "/data/ab/compare_00000010.png"}),
        "COMPARE_RESULT for seq 10: max_abs, mean_abs, psnr, ssim, model, the visual's path"),
    "compare_result_visual_error": Vector(
        Message(_frame_header(MessageType.COMPARE_RESULT, 10, RGBA, generation=1, **_times(2_400, 6_400, 6_470)),
                body={"max_abs": 0.0, "mean_abs": 0.0, "model": "style.onnx", "psnr": 100.0, "ssim": 1.0,
                      "visual": None,
                      "visual_error": "start the server with --compare-dir DIR to save comparison images"}),
        "COMPARE_RESULT for seq 10 with identical images: visual null and `visual_error`"),
    "compare_result_passthrough": Vector(
        Message(_frame_header(MessageType.COMPARE_RESULT, 10, RGBA, generation=1, **_times(2_400, 6_400, 6_430)),
                body={"max_abs": 0.00392156862745098, "mean_abs": 0.00392156862745098, "model": None,
                      "psnr": 48.1308, "ssim": 0.9999, "visual": None}),
        "COMPARE_RESULT for seq 10 from a passthrough server: model null (the input itself was compared)"),
    "capture": Vector(
        Message(_frame_header(MessageType.CAPTURE, 11, RGB, t_client_us=2_500), [_image(RGB, 50)],
                body={"frame_index": 120, "source": "level1/camera0"}),
        'CAPTURE seq 11: 4x2 RGB24 frame, body source "level1/camera0", frame_index 120'),
    "capture_ack": Vector(
        Message(_frame_header(MessageType.CAPTURE_ACK, 11, RGB, **_times(2_500, 6_500, 9_000)),
                body={"backlog": 0, "capacity": 16, "file": "00000042.png", "index": 42,
                      "path": "/data/captures/00000042.png"}),
        "CAPTURE_ACK for seq 11: file 00000042.png, index 42, path, backlog 0 of 16"),
    "control_stats": Vector(
        Message(Header(MessageType.CONTROL, seq=12, t_client_us=2_600), body={"op": "stats"}),
        'CONTROL seq 12, op "stats"'),
    "control_reply_stats": Vector(
        Message(Header(MessageType.CONTROL_REPLY, seq=12, **_times(2_600, 6_600, 6_610)),
                body={"capture": {"backlog": 1, "capacity": 16, "dir": "/data/captures", "next_index": 43},
                      "clients": ["unity"], "model": MODEL, "op": "stats",
                      "stats": {"counts": {"dropped": 3, "frames": 123, "results": 120}, "fps": 29.97,
                                "stages": {"decode": STAGE, "encode": STAGE, "inference": STAGE,
                                           "postprocess": STAGE, "preprocess": STAGE}, "uptime_s": 42.5}}),
        "CONTROL_REPLY for seq 12: counts, fps, the five stages, uptime, model, clients, capture"),
    "control_list_models": Vector(
        Message(Header(MessageType.CONTROL, seq=17, t_client_us=2_700), body={"op": "list_models"}),
        'CONTROL seq 17, op "list_models"'),
    "control_reply_list_models": Vector(
        Message(Header(MessageType.CONTROL_REPLY, seq=17, **_times(2_700, 6_700, 6_705)),
                body={"models": [{"current": True, "name": "style.onnx"}, {"current": False, "name": "style_b.onnx"}],
                      "op": "list_models"}),
        "CONTROL_REPLY for seq 17: two models, the first current"),
    "control_load_model": Vector(
        Message(Header(MessageType.CONTROL, seq=13, t_client_us=2_800),
                body={"model": "style_b.onnx", "op": "load_model"}),
        'CONTROL seq 13, op "load_model", model "style_b.onnx"'),
    "control_reply_load_model": Vector(
        Message(Header(MessageType.CONTROL_REPLY, seq=13, generation=2, **_times(2_800, 6_800, 7_800)),
                body={"generation": 2, "model": "style_b.onnx", "op": "load_model"}),
        "CONTROL_REPLY for seq 13: generation 2"),
    "ping": Vector(Message(Header(MessageType.PING, seq=14, t_client_us=3_000)), "PING seq 14"),
    "pong": Vector(Message(Header(MessageType.PONG, seq=14, **_times(3_000, 7_000, 7_001))),
                   "PONG for seq 14, with server timestamps"),
    # refused messages: what a server answers ERROR, with `error` as the code
    "hello_lone_surrogate": Vector(
        Message(Header(MessageType.HELLO, seq=2, t_client_us=1_100)), 'refused: HELLO whose client is the JSON '
        'text "\\ud800x" (a lone surrogate); answered `error_bad_body.bin`',
        ErrorCode.BAD_BODY, b'{"client":"\\ud800x"}'),
    "capture_lone_surrogate": Vector(
        Message(_frame_header(MessageType.CAPTURE, 19, RGB, t_client_us=2_900), [_image(RGB, 50)]),
        'refused: CAPTURE whose source is "cam\\udc00" (a lone low surrogate): nothing is saved',
        ErrorCode.BAD_BODY, b'{"frame_index":1,"source":"cam\\udc00"}'),
    "hello_wrong_types": Vector(
        Message(Header(MessageType.HELLO, seq=3, t_client_us=1_200), body={"caps": "frame", "client": 5}),
        "refused: HELLO with client 5 and caps \"frame\" (a number and a string where a string and a list go)",
        ErrorCode.BAD_BODY),
    "hello_fractional_in_flight": Vector(
        Message(Header(MessageType.HELLO, seq=4, t_client_us=1_300), body={"max_in_flight": 2.0}),
        "refused: HELLO with max_in_flight 2.0 (an integer field refuses a fraction)", ErrorCode.BAD_BODY),
    "control_without_op": Vector(
        Message(Header(MessageType.CONTROL, seq=20, t_client_us=3_100), body={"model": "style.onnx"}),
        "refused: CONTROL without `op` (required)", ErrorCode.BAD_BODY),
    "control_unknown_op": Vector(
        Message(Header(MessageType.CONTROL, seq=21, t_client_us=3_200), body={"op": "format_disk"}),
        'refused: CONTROL op "format_disk" (not an op): BAD_REQUEST', ErrorCode.BAD_REQUEST),
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


def index() -> dict[str, Any]:
    """What each vector is and decodes to, for the C# tests (which have no Python to ask)."""
    entries = {}
    for name, vector in GOLDEN.items():
        parts = vector.parts()
        entry = {
            "about": vector.about,
            "header": header_fields(vector.message.header),
            "frames": [len(part) for part in parts],
            "body": vector.message.body,
            "error": vector.error.name if vector.error else None,
        }
        if vector.raw_body is not None:
            entry["body_text"] = vector.raw_body.decode("ascii")
        entries[f"{name}.bin"] = entry
    return entries


README_TEXT = """# Bridge protocol golden vectors

Encoded messages of the frame bridge protocol (`bridge/PROTOCOL.md`, version 1.0). The Python
tests (`tests/bridge/test_protocol.py`) and the Unity package's C# tests both read every file.
Generated by `tests/bridge/golden_vectors.py`; do not edit by hand.

## File format

A `.bin` file holds one multipart ZeroMQ message (without the ROUTER identity frame): for each
frame, a 4-byte little-endian length, then that many bytes. Frame 0 is the 56-byte header; then
the image frames; then the JSON body if the type has one.

`index.json` maps each file name to what the file is and what a decoder must produce:

* `about`: one line saying what the message is;
* `header`: the decoded header fields (enum names as strings);
* `frames`: the length of every frame;
* `body`: the JSON body as a JSON value, or null (no body, or one that is not valid: see `body_text`);
* `error`: null for a valid message, which must decode and re-encode to the same header and image
  bytes and an equal JSON body (the Python writer reproduces the body bytes too; see PROTOCOL.md for
  its canonical form); else the name of the error code a server answers it with (the message is
  *refused*: its body is not Unicode, or a field has the wrong type);
* `body_text`, only on refused vectors whose body is not a valid JSON value for a strict reader: the
  body frame's bytes as text (ASCII), e.g. with a `\\ud800` escape that has no pair.

Reply vectors look like the server's real replies: they echo their request's `seq`, image fields
and `t_client_us`, and carry server times (`tests/bridge/test_replies.py` checks a live server does);
an ERROR to an unreadable header echoes only the `seq` (PROTOCOL.md, "Reply headers").

All images are tiny: 4x2 pixels, bytes counting up from a start value so that a swapped channel,
row or pixel shows.

## Files

| file | what it is |
|---|---|
{table}

Regenerate after a deliberate protocol change (and bump the version in PROTOCOL.md):
`STYLEBRIDGE_WRITE_VECTORS=1 python -m pytest tests/bridge/test_protocol.py`.
"""


def readme() -> str:
    table = "\n".join(f"| `{name}.bin` | {vector.about} |" for name, vector in GOLDEN.items())
    return README_TEXT.format(table=table)
