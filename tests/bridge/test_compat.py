"""The version rule of bridge/compat.py, which the C# client mirrors: majors must match, minors may differ."""

from __future__ import annotations

import pytest

from bridge.compat import PROTOCOL_MAJOR, PROTOCOL_MINOR, minor_mismatch_warning, understands, version_text
from bridge.protocol import ErrorCode, Header, MessageType, ProtocolError, decode_header


def test_only_the_same_major_is_understood() -> None:
    assert understands(PROTOCOL_MAJOR)
    assert not understands(PROTOCOL_MAJOR + 1)
    assert not understands(PROTOCOL_MAJOR - 1)


def test_a_header_of_another_major_is_a_version_mismatch_naming_both_versions() -> None:
    data = Header(MessageType.PING, seq=9, major=PROTOCOL_MAJOR + 1, minor=3).encode()
    with pytest.raises(ProtocolError) as caught:
        decode_header(data)
    assert caught.value.code == ErrorCode.VERSION_MISMATCH
    assert caught.value.seq == 9
    assert f"{PROTOCOL_MAJOR + 1}.3" in caught.value.reason and f"{PROTOCOL_MAJOR}.x" in caught.value.reason


def test_another_minor_is_read_and_only_warned_about() -> None:
    header = decode_header(Header(MessageType.PING, minor=PROTOCOL_MINOR + 1).encode())
    assert header.minor == PROTOCOL_MINOR + 1
    assert minor_mismatch_warning("client x", PROTOCOL_MINOR) is None
    warning = minor_mismatch_warning("client x", PROTOCOL_MINOR + 1)
    assert warning is not None and "client x" in warning and version_text() in warning
