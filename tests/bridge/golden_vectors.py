"""The protocol's golden vectors: what each file holds, and the code that writes the files, index.json and README.

The files live in unity_package/Tests/Fixtures~/bridge/ so the Unity package's C# tests read the same bytes
the Python tests do. `tests/bridge/test_protocol.py` checks them; with STYLEBRIDGE_WRITE_VECTORS=1 it
rewrites them from the definitions here (after a deliberate protocol change).

Most vectors are messages an implementation must decode and re-encode to the same bytes. A *refused*
vector is a message a server must answer with an ERROR (its `error`): a body that breaks the JSON body rules
(a lone surrogate, a repeated key, nesting too deep, what strict JSON forbids) or fields of the wrong type.
Bodies that cannot be a Python dict are given as raw bytes (`raw_body`).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bridge.protocol import (
    CUT_MARK,
    FLAG_DIAGNOSE,
    FLAG_SAVE_VISUAL,
    MAX_BODY_DEPTH,
    MAX_REPLY_TEXT,
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
         "model": "style.onnx", "served_contract": None}  # fmt: skip
PASSTHROUGH = {"backend": "passthrough", "contract": None, "device": "cpu", "generation": 1, "model": None,
               "served_contract": None}  # fmt: skip
CONTRACT = {"channels": "RGB", "color_encoding": "srgb", "input_range": "0_1", "layout": "NCHW", "output_range": "0_1",
            "row_origin": "top", "size_multiple": 4, "version": 1}  # fmt: skip
STAGE = {"count": 120, "mean_ms": 1.25, "p50_ms": 1.2, "p99_ms": 2.5}
ALL_CAPS = ["frame", "compare", "capture", "control", "rgba32", "rgb24", "bottom_up", "linear", "diagnosis"]
TORCH_CONTRACT = {**CONTRACT, "input_range": "0_255", "output_range": "0_255"}  # a TransformerNet checkpoint's own
SERVED = {**CONTRACT, "size_multiple": 1}  # what frames are served under, whatever the model
DIAGNOSIS = {"as_is_psnr": 11.23, "engine_model": "style.onnx", "explanation": "input_range:0_1->0_255",
             "fix": "build the input tensor in [0, 255]: new Tensor(tex, true, Vector4.one * 255f, "
                    "Vector4.one * 0f, 3); or re-export with --io unit and pass no scale at all",
             "label": "input fed as [0, 1] to a model that expects [0, 255]", "margin_db": 21.4,
             "note": "every candidate simulated and scored at full size", "psnr": 47.9, "sampled": False,
             "seconds": 0.412,
             "summary": "input fed as [0, 1] to a model that expects [0, 255]: 11.2 dB as is, 47.9 dB with this fault; "
                        "runner-up input_linear, 21.4 dB behind. Fix: build the input tensor in [0, 255]",
             "verdict": "explained"}  # fmt: skip
PASSTHROUGH_DIAGNOSIS = ("a passthrough server runs no model: there is nothing to diagnose "
                         "(serve a model with --model)")  # fmt: skip
SURROGATE_MESSAGE = ("the body holds the string '\\ud800x' with a lone UTF-16 surrogate (a \\uD800-\\uDFFF escape "
                     "without its pair), which is not Unicode text; send the character itself or a complete "
                     "surrogate pair")  # fmt: skip


STATS = {"capture": {"backlog": 1, "capacity": 16, "dir": "/data/captures", "next_index": 43},
         "clients": ["unity"], "model": MODEL, "op": "stats",
         "stats": {"counts": {"dropped": 3, "frames": 123, "results": 120}, "fps": 29.97,
                   "stages": {"decode": STAGE, "encode": STAGE, "inference": STAGE, "postprocess": STAGE,
                              "preprocess": STAGE}, "uptime_s": 42.5}}  # fmt: skip
UNKNOWN_MODEL_MESSAGE = ("model 'nope.onnx' is not in the server's model folder; choose one of "
                         + ", ".join(f"a_{i:04d}.onnx" for i in range(1, 1001)))  # fmt: skip


def _cut(text: str) -> str:
    return text[: MAX_REPLY_TEXT - 1] + CUT_MARK


def _nested(levels: int) -> list[Any]:
    """`levels` arrays, each holding the next; the innermost holds "frame"."""
    value: list[Any] = ["frame"]
    for _ in range(levels - 1):
        value = [value]
    return value


def _ack_body(session: str, model: dict[str, Any], caps: list[str], max_in_flight: int = 2) -> dict[str, Any]:
    return {"caps": caps, "max_in_flight": max_in_flight, "max_pixels": 16777216, "model": model,
            "pixel_formats": ["RGBA32", "RGB24"], "protocol": "1.1", "server": "stylebridge 0.1.0",
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
                body={**_ack_body("fedcba9876543210", {**MODEL, "backend": "torch", "contract": TORCH_CONTRACT,
                                                       "device": "cuda:0", "model": "final.pt",
                                                       "served_contract": SERVED}, ALL_CAPS, 1),
                      "max_pixels": 2073600}),
        "HELLO_ACK from a torch server on CUDA: every cap, 1 in flight, the model's own pixel contract ([0, 255]) "
        "and the one frames are served under ([0, 1], any size)"),
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
    "compare_diagnose": Vector(
        Message(_frame_header(MessageType.COMPARE, 19, RGBA, flags=FLAG_DIAGNOSE, t_client_us=2_450),
                [_image(RGBA), _image(RGBA, 9)]),
        "COMPARE seq 19, flag bit 1 (1.1: diagnose why the engine's output differs)"),
    "compare_result_diagnosis": Vector(
        Message(_frame_header(MessageType.COMPARE_RESULT, 19, RGBA, generation=1, **_times(2_450, 6_450, 6_870)),
                body={"diagnosis": DIAGNOSIS, "max_abs": 0.8, "mean_abs": 0.31, "model": "style.onnx",
                      "psnr": 11.2275, "ssim": 0.41, "visual": None}),
        "COMPARE_RESULT for seq 19 with `diagnosis`: verdict, the best explanation and its scores, the fix"),
    "compare_result_diagnosis_error": Vector(
        Message(_frame_header(MessageType.COMPARE_RESULT, 19, RGBA, generation=1, **_times(2_450, 6_450, 6_460)),
                body={"diagnosis_error": PASSTHROUGH_DIAGNOSIS, "max_abs": 0.0, "mean_abs": 0.0, "model": None,
                      "psnr": 100.0, "ssim": 1.0, "visual": None}),
        "COMPARE_RESULT for seq 19 from a passthrough server: no `diagnosis`, `diagnosis_error` says why"),
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
        Message(Header(MessageType.CONTROL_REPLY, seq=12, **_times(2_600, 6_600, 6_610)), body=STATS),
        "CONTROL_REPLY for seq 12: counts, fps, the five stages, uptime, model, clients, capture"),
    "control_reply_stats_truncated": Vector(
        Message(Header(MessageType.CONTROL_REPLY, seq=12, **_times(2_600, 6_600, 6_611)),
                body={**STATS, "clients": ["unity", "unity-2"], "truncated": True}),
        "CONTROL_REPLY for seq 12 with more clients than fit in one body: the leading ones, `truncated` true"),
    "control_list_models": Vector(
        Message(Header(MessageType.CONTROL, seq=17, t_client_us=2_700), body={"op": "list_models"}),
        'CONTROL seq 17, op "list_models"'),
    "control_reply_list_models_truncated": Vector(
        Message(Header(MessageType.CONTROL_REPLY, seq=17, **_times(2_700, 6_700, 6_706)),
                body={"models": [{"current": False, "name": "a_0001.onnx"}, {"current": False, "name": "a_0002.onnx"}],
                      "op": "list_models", "truncated": True}),
        "CONTROL_REPLY for seq 17 from a folder too big for one body: the leading models that fit, "
        "`truncated` true (PROTOCOL.md, \"Reply size\")"),
    "error_message_cut": Vector(
        Message(Header(MessageType.ERROR, seq=13, code=ErrorCode.BAD_REQUEST, **_times(2_800, 6_800, 6_801)),
                body={"code": "BAD_REQUEST", "message": _cut(UNKNOWN_MODEL_MESSAGE)}),
        f"ERROR for seq 13, code 13 BAD_REQUEST, whose message was cut to {MAX_REPLY_TEXT} code points, the last "
        "being \u2026 (PROTOCOL.md, \"Reply size\")"),
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
    "control_stats_model_number": Vector(
        Message(Header(MessageType.CONTROL, seq=22, t_client_us=3_300), body={"model": 5, "op": "stats"}),
        "refused: CONTROL op \"stats\" with model 5: `model` is type-checked on every op, though only load_model "
        "uses it", ErrorCode.BAD_BODY),
    "hello_too_deep": Vector(
        Message(Header(MessageType.HELLO, seq=23, t_client_us=3_400), body={"caps": _nested(MAX_BODY_DEPTH)}),
        f"refused: HELLO whose caps nest {MAX_BODY_DEPTH} arrays, so the body is {MAX_BODY_DEPTH + 1} levels deep "
        f"(the limit is {MAX_BODY_DEPTH}, the body itself being level 1)", ErrorCode.BAD_BODY),
    "hello_repeated_key": Vector(
        Message(Header(MessageType.HELLO, seq=24, t_client_us=3_500)),
        'refused: HELLO with the key "client" twice in one object', ErrorCode.BAD_BODY,
        b'{"client":"unity","client":"other"}'),
    "hello_trailing_comma_object": Vector(
        Message(Header(MessageType.HELLO, seq=25, t_client_us=3_600)),
        "refused: HELLO whose object ends in a comma (`{...,}`)", ErrorCode.BAD_BODY, b'{"client":"unity",}'),
    "hello_trailing_comma_array": Vector(
        Message(Header(MessageType.HELLO, seq=26, t_client_us=3_700)),
        "refused: HELLO whose caps list ends in a comma (`[...,]`)", ErrorCode.BAD_BODY, b'{"caps":["frame",]}'),
    "hello_missing_comma": Vector(
        Message(Header(MessageType.HELLO, seq=27, t_client_us=3_800)),
        "refused: HELLO with two array items and no comma between them (in a key readers ignore)",
        ErrorCode.BAD_BODY, b'{"client":"unity","x":[1 2]}'),
    "hello_text_after_object": Vector(
        Message(Header(MessageType.HELLO, seq=28, t_client_us=3_900)),
        "refused: HELLO whose body frame holds a second object after the first", ErrorCode.BAD_BODY,
        b'{"client":"unity"}{"caps":[]}'),
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

Test data for anyone implementing the stylebridge frame bridge protocol (`bridge/PROTOCOL.md`,
version 1.0), in any language. Each `.bin` file is one encoded message; `index.json` says what it
must decode to, or that it must be refused and with which error code. The Python tests
(`tests/bridge/test_protocol.py`) and the Unity package's C# tests (`Tests/Editor/GoldenVectorTests.cs`)
check both implementations against every file. The files are generated by
`tests/bridge/golden_vectors.py`; do not edit them by hand.

## File format

A `.bin` file holds one multipart ZeroMQ message as a client or server sends it, without the
ROUTER's identity frame: for each frame in order, its length as a 4-byte little-endian unsigned
integer, then that many bytes. Nothing else: the file ends right after the last frame. Frame 0 is
the 56-byte header; then come the message type's image frames; then its JSON body frame, if the
type has one (PROTOCOL.md, "Message types").

## index.json

One JSON object: file name (`hello.bin`) -> entry. Every entry has these keys:

* `about`: one line saying what the message is;
* `header`: the header's fields as a decoder must read them: integers, and the enum fields
  (`type`, `pixel_format`, `row_order`, `color_encoding`) by their names in PROTOCOL.md (`FRAME`,
  `RGBA32`, `BOTTOM_UP`, `LINEAR`);
* `frames`: the length in bytes of every frame, in order;
* `body`: the body frame's JSON value; null when the message has no body, or when its body frame
  cannot be written as a JSON value (then `body_text` holds it);
* `error`: null for a valid message; for a message a server must refuse, the name of the ERROR
  code it answers (`BAD_BODY`, `BAD_REQUEST`);

and, only on some refused entries, `body_text`: the body frame's bytes, which are ASCII, as a
string. It is given where the body breaks a rule in a way a JSON value cannot show: a lone
surrogate escape (`\\ud800`), a key given twice, a trailing comma, a missing comma, text after the
object.

## What to check

For a **valid** vector (`error` null):

1. split the file into frames; their lengths are `frames`;
2. decode the message: it decodes without error, every header field equals `header`, and the
   image frames are the bytes in the file;
3. if it is a request (HELLO, CAPTURE, CONTROL), its body also passes the field rules of
   PROTOCOL.md's "Request bodies";
4. encode the decoded message again: the header frame and the image frames must be the file's
   bytes exactly, and the body frame must hold a JSON value equal to `body`. Equal means: objects
   with the same keys (in any order) and equal values, arrays with equal items in order, numbers
   equal as numbers, strings equal code point for code point. A writer need not reproduce the
   body's bytes (key order and number formatting are its own business); one that writes
   PROTOCOL.md's canonical form (the Python writer's) does.

For a **refused** vector (`error` not null), a server answers the message with an ERROR whose
`code` is `error` and whose `seq` is the request's. The header always decodes (it equals
`header`); the refusal comes from the body frame's rules (PROTOCOL.md, "JSON body frame": UTF-8,
strict JSON, one object, no repeated key, at most 32 levels deep, no lone surrogate) or from its
fields' rules ("Request bodies"). So a decoder plus the field checks must refuse it with that code;
which of the two steps refuses it is the implementation's business.

Reply vectors look like the server's real replies: they echo their request's `seq`, image fields
and `t_client_us`, and carry the server's times; an ERROR to a request whose header could not be
read echoes only the `seq` (PROTOCOL.md, "Reply headers"). A client reads them as the server
sends them.

All images are tiny: 4x2 pixels whose bytes count up from a start value, so that a swapped
channel, row or pixel shows as a wrong byte.

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
