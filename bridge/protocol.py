"""The bridge wire protocol (bridge/PROTOCOL.md is the normative spec): constants and the message codec.

A message is a ZeroMQ multipart message: a fixed 56-byte little-endian header, then the raw image
payloads its type carries, then (for some types) one UTF-8 JSON body. The header is a plain struct
so a C# client reads it with `BinaryReader` and no libraries; the body carries the rarely used,
variable parts (model info, metrics, stats) where a fixed struct would be a straitjacket.

`decode_message` is strict: whatever a peer sends either decodes to a `Message` or raises a
`ProtocolError` with a code and a reason; it never raises anything else.
"""

from __future__ import annotations

import json
import re
import struct
import time
from dataclasses import dataclass, field, replace
from enum import IntEnum
from typing import Any

from bridge.compat import PROTOCOL_MAJOR, PROTOCOL_MINOR, understands, version_mismatch_reason

MAGIC = b"SBRG"
DEFAULT_ENDPOINT = "tcp://127.0.0.1:5556"
DEFAULT_MAX_PIXELS = 4096 * 4096
MAX_BODY_BYTES = 64 * 1024  # every body, requests and replies (the server keeps its replies within it)
MAX_BODY_DEPTH = 32  # objects and arrays nested in a body, the body itself counting 1
MAX_REPLY_TEXT = 1000  # code points a string keeps when a reply body is shortened to fit MAX_BODY_BYTES
CUT_MARK = "\u2026"  # "…" ends a string that was cut
_SURROGATE = re.compile("[\ud800-\udfff]")  # after JSON decoding, any of these is unpaired

# magic, major, minor, type, flags, seq, width, height, pixel format, row order, colour encoding,
# reserved, code, generation, client time, server receive time, server send time
HEADER = struct.Struct("<4sBBBBQIIBBBBHHQQQ")
HEADER_SIZE = HEADER.size  # 56
T_SEND_OFFSET = 48  # byte offset of t_send_us, stamped just before a reply leaves the server

FLAG_SAVE_VISUAL = 1  # COMPARE: also write a side-by-side + heatmap PNG
FLAG_DIAGNOSE = 2  # COMPARE (protocol 1.1): also diagnose why the engine's output differs (COMPARE_RESULT `diagnosis`)


class MessageType(IntEnum):
    HELLO = 1
    HELLO_ACK = 2
    FRAME = 3
    RESULT = 4
    DROPPED = 5
    ERROR = 6
    COMPARE = 7
    COMPARE_RESULT = 8
    CAPTURE = 9
    CAPTURE_ACK = 10
    CONTROL = 11
    CONTROL_REPLY = 12
    PING = 13
    PONG = 14


# what the server sends; encode_message keeps their bodies within MAX_BODY_BYTES
REPLIES = frozenset({MessageType.HELLO_ACK, MessageType.RESULT, MessageType.DROPPED, MessageType.ERROR,
                     MessageType.COMPARE_RESULT, MessageType.CAPTURE_ACK, MessageType.CONTROL_REPLY,
                     MessageType.PONG})  # fmt: skip


class PixelFormat(IntEnum):
    NONE = 0
    RGBA32 = 1
    RGB24 = 2


BYTES_PER_PIXEL = {PixelFormat.RGBA32: 4, PixelFormat.RGB24: 3}


class RowOrder(IntEnum):
    TOP_DOWN = 0  # row 0 is the top of the picture (PNG, numpy images)
    BOTTOM_UP = 1  # row 0 is the bottom (Unity textures)


class ColorEncoding(IntEnum):
    SRGB = 0
    LINEAR = 1


class ErrorCode(IntEnum):
    OK = 0
    BAD_HEADER = 1
    VERSION_MISMATCH = 2
    UNKNOWN_TYPE = 3
    BAD_PARTS = 4
    BAD_FORMAT = 5
    BAD_SIZE = 6
    TOO_LARGE = 7
    BAD_BODY = 8
    NOT_READY = 9
    OVERLOADED = 10
    MODEL_ERROR = 11
    NOT_CONFIGURED = 12
    BAD_REQUEST = 13
    INTERNAL = 14


def now_us() -> int:
    """The clock of the header's time fields: monotonic microseconds (each side has its own)."""
    return time.monotonic_ns() // 1000


@dataclass(frozen=True)
class Layout:
    images: int  # image payload parts after the header
    body: bool  # a JSON body part last


LAYOUTS: dict[MessageType, Layout] = {
    MessageType.HELLO: Layout(0, True),
    MessageType.HELLO_ACK: Layout(0, True),
    MessageType.FRAME: Layout(1, False),
    MessageType.RESULT: Layout(1, False),
    MessageType.DROPPED: Layout(0, True),
    MessageType.ERROR: Layout(0, True),
    MessageType.COMPARE: Layout(2, False),
    MessageType.COMPARE_RESULT: Layout(0, True),
    MessageType.CAPTURE: Layout(1, True),
    MessageType.CAPTURE_ACK: Layout(0, True),
    MessageType.CONTROL: Layout(0, True),
    MessageType.CONTROL_REPLY: Layout(0, True),
    MessageType.PING: Layout(0, False),
    MessageType.PONG: Layout(0, False),
}


class ProtocolError(Exception):
    """A message that breaks the protocol; becomes an ERROR reply with `code` and `reason`."""

    def __init__(self, code: ErrorCode, reason: str, seq: int = 0) -> None:
        super().__init__(f"{code.name}: {reason}")
        self.code = code
        self.reason = reason
        self.seq = seq


@dataclass
class Header:
    type: MessageType
    seq: int = 0
    width: int = 0
    height: int = 0
    pixel_format: PixelFormat = PixelFormat.NONE
    row_order: RowOrder = RowOrder.TOP_DOWN
    color_encoding: ColorEncoding = ColorEncoding.SRGB
    flags: int = 0
    code: int = 0  # ERROR: an ErrorCode
    generation: int = 0  # RESULT / COMPARE_RESULT: which loaded model produced it (wraps at 65536)
    t_client_us: int = 0  # set by the client, echoed in the reply
    t_recv_us: int = 0  # server clock when the request arrived
    t_send_us: int = 0  # server clock when the reply left
    major: int = PROTOCOL_MAJOR
    minor: int = PROTOCOL_MINOR

    def encode(self) -> bytes:
        return HEADER.pack(
            MAGIC,
            self.major,
            self.minor,
            self.type,
            self.flags,
            self.seq,
            self.width,
            self.height,
            self.pixel_format,
            self.row_order,
            self.color_encoding,
            0,
            self.code,
            self.generation & 0xFFFF,
            self.t_client_us,
            self.t_recv_us,
            self.t_send_us,
        )

    @property
    def image_bytes(self) -> int:
        """Payload size of one image part with this header's size and pixel format."""
        return self.width * self.height * BYTES_PER_PIXEL[self.pixel_format]

    def reply(self, type: MessageType, **changes: Any) -> Header:
        """The header of a reply: same seq, image metadata and client time; fresh server fields."""
        fresh = {"flags": 0, "code": 0, "generation": 0, "major": PROTOCOL_MAJOR, "minor": PROTOCOL_MINOR}
        return replace(self, type=type, **{**fresh, **changes})


def decode_header(data: bytes | memoryview) -> Header:
    if len(data) != HEADER_SIZE:
        raise ProtocolError(ErrorCode.BAD_HEADER, f"the header frame must be {HEADER_SIZE} bytes, got {len(data)}")
    magic, major, minor, kind, flags, seq, width, height, fmt, rows, encoding, _, code, generation, *times = (
        HEADER.unpack(data)
    )
    if magic != MAGIC:
        raise ProtocolError(ErrorCode.BAD_HEADER, f"the header must start with {MAGIC!r}, got {magic!r}")
    if not understands(major):
        raise ProtocolError(ErrorCode.VERSION_MISMATCH, version_mismatch_reason(major, minor), seq)
    try:
        kind = MessageType(kind)
    except ValueError:
        raise ProtocolError(ErrorCode.UNKNOWN_TYPE, f"unknown message type {kind}", seq) from None
    try:
        fmt, rows, encoding = PixelFormat(fmt), RowOrder(rows), ColorEncoding(encoding)
    except ValueError:
        raise ProtocolError(
            ErrorCode.BAD_FORMAT,
            f"unknown pixel format {fmt}, row order {rows} or colour encoding {encoding} "
            "(formats: 1 RGBA32, 2 RGB24; rows: 0 top-down, 1 bottom-up; encodings: 0 sRGB, 1 linear)",
            seq,
        ) from None
    return Header(kind, seq, width, height, fmt, rows, encoding, flags, code, generation, *times, major, minor)


@dataclass
class Message:
    header: Header
    # bytes-like image payloads (bytes, memoryview, numpy array, zmq.Frame): a decoded message keeps
    # the parts it was given, so a received zmq.Frame can be sent on without copying or re-wrapping
    images: list[Any] = field(default_factory=list)
    body: dict[str, Any] | None = None


def encode_body(body: dict[str, Any]) -> bytes:
    """Canonical JSON: sorted keys, no spaces, UTF-8, so the same body always gives the same bytes."""
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def reply_body(body: dict[str, Any]) -> bytes:
    """A reply body's bytes, shortened as PROTOCOL.md's "Reply size" says when they would exceed MAX_BODY_BYTES:
    some replies carry text or lists the server does not bound (an error naming every model in the folder, the
    clients in stats, the folder's listing), and every reader refuses a larger body. First every string is cut to
    MAX_REPLY_TEXT code points; if that is not enough, every top-level list keeps only its first n entries, n as
    large as fits, and the body says `"truncated": true`."""
    data = encode_body(body)
    if len(data) <= MAX_BODY_BYTES:
        return data
    body = _cut_strings(body)
    data = encode_body(body)
    if len(data) <= MAX_BODY_BYTES:
        return data
    lists = [key for key, value in body.items() if isinstance(value, list)]

    def first(n: int) -> bytes:
        return encode_body({**body, **{key: body[key][:n] for key in lists}, "truncated": True})

    kept, longest = -1, max((len(body[key]) for key in lists), default=0)  # first(kept) fits; first(longest) not
    while longest - kept > 1:
        middle = (kept + longest) // 2
        if len(first(middle)) <= MAX_BODY_BYTES:
            kept = middle
        else:
            longest = middle
    if kept < 0:  # the server's bodies always fit once cut; a reply no reader would accept is never sent
        raise ValueError(f"a reply body of {len(data)} bytes cannot be shortened to {MAX_BODY_BYTES}")
    return first(kept)


def _cut_strings(value: Any) -> Any:
    """`value` with every string (not key) longer than MAX_REPLY_TEXT code points cut to that many, the last
    being CUT_MARK. Recursive: reply bodies are the server's own, a few levels deep."""
    if isinstance(value, str) and len(value) > MAX_REPLY_TEXT:
        return value[: MAX_REPLY_TEXT - 1] + CUT_MARK
    if isinstance(value, dict):
        return {key: _cut_strings(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_cut_strings(item) for item in value]
    return value


def encode_message(message: Message) -> list[Any]:
    """The multipart frames of `message` (image parts are passed through without copying). A reply's body is kept
    within MAX_BODY_BYTES (`reply_body`); a request's is encoded as it is, and a server refuses it if too large."""
    layout = LAYOUTS[message.header.type]
    if len(message.images) != layout.images or (message.body is not None) != layout.body:
        raise ValueError(f"{message.header.type.name} carries {layout.images} image(s) and body={layout.body}")
    parts: list[Any] = [message.header.encode(), *message.images]
    if message.body is not None:
        parts.append(reply_body(message.body) if message.header.type in REPLIES else encode_body(message.body))
    return parts


def decode_message(parts: list[Any], max_pixels: int = DEFAULT_MAX_PIXELS) -> Message:
    """Validate and decode multipart frames (bytes, memoryviews or zmq.Frames) into a Message."""
    if not parts:
        raise ProtocolError(ErrorCode.BAD_PARTS, "empty message")
    buffers = [memoryview(part) for part in parts]  # bytes, memoryviews and zmq.Frames all export buffers
    header = decode_header(buffers[0])
    layout = LAYOUTS[header.type]
    expected = 1 + layout.images + layout.body
    if len(buffers) != expected:
        raise ProtocolError(
            ErrorCode.BAD_PARTS,
            f"{header.type.name} takes {expected} frames (header, {layout.images} image(s)"
            f"{', a JSON body' if layout.body else ''}), got {len(buffers)}",
            header.seq,
        )
    if layout.images:
        check_image_parts(header, buffers[1 : 1 + layout.images], max_pixels)
    body = decode_body(buffers[-1], header.seq) if layout.body else None
    return Message(header, list(parts[1 : 1 + layout.images]), body)


def check_image_parts(header: Header, images: list[memoryview], max_pixels: int) -> None:
    if header.pixel_format == PixelFormat.NONE:
        raise ProtocolError(
            ErrorCode.BAD_FORMAT, f"{header.type.name} needs a pixel format (RGBA32 or RGB24)", header.seq
        )
    if header.width < 1 or header.height < 1:
        raise ProtocolError(ErrorCode.BAD_SIZE, f"image size {header.width}x{header.height} is empty", header.seq)
    if header.width * header.height > max_pixels:
        raise ProtocolError(
            ErrorCode.TOO_LARGE,
            f"image size {header.width}x{header.height} exceeds this server's limit of {max_pixels} pixels",
            header.seq,
        )
    for index, image in enumerate(images):
        if image.nbytes != header.image_bytes:
            raise ProtocolError(
                ErrorCode.BAD_SIZE,
                f"image part {index} holds {image.nbytes} bytes, but {header.width}x{header.height} "
                f"{header.pixel_format.name} needs {header.image_bytes} (rows tightly packed, no padding)",
                header.seq,
            )


def decode_body(data: memoryview, seq: int = 0) -> dict[str, Any]:
    """A body frame checked as PROTOCOL.md's "JSON body frame" says; anything else is BAD_BODY."""
    if data.nbytes > MAX_BODY_BYTES:
        raise ProtocolError(
            ErrorCode.BAD_BODY, f"the JSON body is {data.nbytes} bytes; the limit is {MAX_BODY_BYTES}", seq
        )
    try:
        body = json.loads(bytes(data).decode("utf-8"), parse_constant=_reject_constant, object_pairs_hook=_object)
    except _RepeatedKey as exc:
        raise ProtocolError(
            ErrorCode.BAD_BODY, f"the key {exc.key[:40]!a} appears twice in one object; send each key once", seq
        ) from None
    except RecursionError:  # nesting far beyond the limit: the parser gave up before _check_value could count
        raise ProtocolError(ErrorCode.BAD_BODY, _too_deep(), seq) from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise ProtocolError(ErrorCode.BAD_BODY, f"the body is not UTF-8 JSON ({exc})", seq) from None
    if not isinstance(body, dict):
        raise ProtocolError(ErrorCode.BAD_BODY, f"the body must be a JSON object, got {type(body).__name__}", seq)
    problem = _check_value(body)
    if problem is not None:
        raise ProtocolError(ErrorCode.BAD_BODY, problem, seq)
    return body


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


class _RepeatedKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object, refusing a key given twice: JSON parsers disagree on which value wins (Python's and .NET's
    keep the last, others the first), so a body with one would mean different things to different readers."""
    body = dict(pairs)
    if len(body) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _RepeatedKey(key)
            seen.add(key)
    return body


def _too_deep() -> str:
    return (
        f"the body nests objects and arrays deeper than {MAX_BODY_DEPTH} levels (the body itself is level 1); "
        "flatten it"
    )


def _check_value(body: dict[str, Any]) -> str | None:
    """What breaks the body rules beyond syntax, or None: nesting deeper than MAX_BODY_DEPTH, or a string (key or
    value) holding a lone surrogate. JSON's \\u escapes can spell half of a UTF-16 pair; Python decodes it into a
    string that cannot be encoded as UTF-8 again, so it would fail later in every reply, log line or file it reached.
    Walked without recursion, so that no depth the parser allowed can make this fail."""
    stack: list[tuple[Any, int]] = [(body, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            if depth > MAX_BODY_DEPTH:
                return _too_deep()
            children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
        elif isinstance(item, str) and _SURROGATE.search(item):
            return (
                f"the body holds the string {item[:40]!a} with a lone UTF-16 surrogate (a \\uD800-\\uDFFF escape "
                "without its pair), which is not Unicode text; send the character itself or a complete surrogate pair"
            )
    return None


def error_message(
    code: ErrorCode, reason: str, seq: int = 0, *, request: Header | None = None, t_recv_us: int = 0
) -> Message:
    """An ERROR reply. Given the request's header it echoes it like every reply (seq, image fields,
    client time); without one (the header itself was unreadable) only `seq` is known."""
    if request is not None:
        header = request.reply(MessageType.ERROR, code=code, t_recv_us=t_recv_us)
    else:
        header = Header(MessageType.ERROR, seq=seq, code=code, t_recv_us=t_recv_us)
    return Message(header, body={"code": code.name, "message": reason})


def readable_header(parts: list[Any]) -> Header | None:
    """The header of a message that may be malformed elsewhere, or None when the header itself is bad."""
    if not parts:
        return None
    try:
        return decode_header(memoryview(parts[0]))
    except ProtocolError:
        return None
