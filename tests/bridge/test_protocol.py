"""The message codec: round trips, the golden vectors Unity's tests share, and fuzzing of the decoder.

Set STYLEBRIDGE_WRITE_VECTORS=1 to rewrite the golden vectors (golden_vectors.py) after a deliberate
protocol change.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from golden_vectors import GOLDEN, VECTORS, header_fields, index, pack_parts, readme, unpack_parts
from hypothesis import given, settings
from hypothesis import strategies as st

from bridge.bodies import request_fields
from bridge.compat import PROTOCOL_MINOR
from bridge.protocol import (
    HEADER,
    HEADER_SIZE,
    LAYOUTS,
    MAGIC,
    ErrorCode,
    Header,
    MessageType,
    PixelFormat,
    ProtocolError,
    decode_header,
    decode_message,
    encode_message,
)

WRITE = os.environ.get("STYLEBRIDGE_WRITE_VECTORS") == "1"
VALID = sorted(name for name, vector in GOLDEN.items() if vector.error is None)
REFUSED = sorted(name for name, vector in GOLDEN.items() if vector.error is not None)


def _write_or_read(path: Path, expected: bytes) -> bytes:
    if WRITE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(expected)
    return path.read_bytes()


def test_golden_vectors_cover_every_message_type() -> None:
    assert {GOLDEN[name].message.header.type for name in VALID} == set(MessageType)


@pytest.mark.parametrize("name", VALID)
def test_golden_vector_decodes_and_reencodes_byte_for_byte(name: str) -> None:
    vector = GOLDEN[name]
    data = _write_or_read(VECTORS / f"{name}.bin", pack_parts(vector.parts()))
    message = decode_message(unpack_parts(data))
    assert header_fields(message.header) == header_fields(vector.message.header)
    assert [bytes(image) for image in message.images] == [bytes(image) for image in vector.message.images]
    assert message.body == vector.message.body
    assert pack_parts([bytes(part) for part in encode_message(message)]) == data


def _server_verdict(parts: list[bytes]) -> ErrorCode:
    """What a server's checks of the message alone (decoding, then the request body's fields) say."""
    try:
        message = decode_message(parts)
        request_fields(message.header, message.body)
    except ProtocolError as error:
        return error.code
    return ErrorCode.OK


@pytest.mark.parametrize("name", REFUSED)
def test_refused_golden_vectors_get_their_error(name: str) -> None:
    vector = GOLDEN[name]
    data = _write_or_read(VECTORS / f"{name}.bin", pack_parts(vector.parts()))
    parts = unpack_parts(data)
    assert header_fields(decode_header(parts[0])) == header_fields(vector.message.header)
    assert _server_verdict(parts) == vector.error


def test_golden_index_and_readme_describe_the_vectors() -> None:
    index_path, readme_path = VECTORS / "index.json", VECTORS / "README.md"
    if WRITE:
        index_path.write_text(json.dumps(index(), indent=2, sort_keys=True) + "\n")
        readme_path.write_text(readme())
    loaded = json.loads(index_path.read_text())
    assert loaded == index()
    json.dumps(loaded, ensure_ascii=False).encode()  # strict JSON: no lone surrogate anywhere (C# reads it)
    assert {p.name for p in VECTORS.glob("*.bin")} == set(index())
    assert readme_path.read_text() == readme()


def test_header_is_56_bytes_little_endian() -> None:
    data = Header(
        MessageType.FRAME, seq=0x0102030405060708, width=960, height=540, pixel_format=PixelFormat.RGBA32
    ).encode()
    assert len(data) == HEADER_SIZE == 56
    assert data[:4] == MAGIC and data[4:8] == bytes([1, PROTOCOL_MINOR, MessageType.FRAME, 0])
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
