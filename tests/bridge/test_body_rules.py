"""The JSON body rules beyond syntax (PROTOCOL.md, "JSON body frame"): nesting depth, repeated keys, CONTROL's
`model` on every op; and the 64 KiB limit kept by the server's own replies ("Reply size")."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from bridge.backends import load_backend
from bridge.bodies import Control, request_fields
from bridge.client import BridgeClient
from bridge.protocol import (
    CUT_MARK,
    MAX_BODY_BYTES,
    MAX_BODY_DEPTH,
    MAX_REPLY_TEXT,
    ErrorCode,
    Header,
    Message,
    MessageType,
    ProtocolError,
    decode_body,
    decode_message,
    encode_body,
    encode_message,
)
from bridge.server import BridgeServer

pytestmark = pytest.mark.timeout(120)


def _refusal(text: str | bytes) -> ProtocolError:
    data = text.encode() if isinstance(text, str) else text
    with pytest.raises(ProtocolError) as refused:
        decode_body(memoryview(data), seq=7)
    assert refused.value.code == ErrorCode.BAD_BODY and refused.value.seq == 7
    return refused.value


def _nested(depth: int) -> str:
    """A body `depth` levels deep (the body itself is level 1): arrays, then an object, in the innermost list."""
    return '{"caps":' + "[" * (depth - 2) + '{"x":1}' + "]" * (depth - 2) + "}" if depth > 2 else '{"caps":{}}'


@pytest.mark.parametrize("depth", [2, 3, MAX_BODY_DEPTH])
def test_bodies_up_to_the_depth_limit_are_read(depth: int) -> None:
    assert isinstance(decode_body(memoryview(_nested(depth).encode())), dict)


@pytest.mark.parametrize("depth", [MAX_BODY_DEPTH + 1, 1000, 20_000])
def test_a_body_nested_deeper_than_the_limit_is_bad_body(depth: int) -> None:
    assert "deeper than 32 levels" in _refusal(_nested(depth)).reason


@pytest.mark.parametrize(
    "text",
    ['{"client":"a","client":"b"}', '{"client":"a","client":"a"}', '{"caps":[],"x":{"k":1,"j":2,"k":3}}',
     '{"x":[{"a":1},{"a":1,"a":1}]}'],
)  # fmt: skip
def test_a_key_repeated_in_one_object_is_bad_body(text: str) -> None:
    assert "appears twice in one object" in _refusal(text).reason


def test_the_same_key_in_different_objects_is_fine() -> None:
    assert decode_body(memoryview(b'{"a":{"a":{"a":1}},"b":[{"a":1},{"a":2}]}'))["b"][1] == {"a": 2}


@pytest.mark.parametrize("text", ['{"a":1,}', '{"a":[1,]}', '{"a":{"b":1,}}', '{"a":1}{"b":2}', '{"a":[1 2]}'])
def test_what_strict_json_forbids_is_bad_body(text: str) -> None:
    _refusal(text)


def _control(body: dict[str, object]) -> Control:
    fields = request_fields(Header(MessageType.CONTROL, seq=4), body)
    assert isinstance(fields, Control)
    return fields


@pytest.mark.parametrize("op", ["stats", "list_models"])
def test_control_model_is_type_checked_on_every_op_and_ignored_where_unused(op: str) -> None:
    assert _control({"op": op, "model": "style.onnx"}) == Control(op, None)
    assert _control({"op": op, "model": None}) == Control(op, None)
    for wrong in (5, ["a.onnx"], {"name": "a.onnx"}, True):
        with pytest.raises(ProtocolError) as refused:
            _control({"op": op, "model": wrong})
        assert refused.value.code == ErrorCode.BAD_BODY and "`model` must be a string" in refused.value.reason


def _sent(kind: MessageType, body: dict[str, object]) -> tuple[bytes, dict[str, object]]:
    """The body frame encode_message makes, and what a strict reader (the server's decoder) reads from it."""
    part = encode_message(Message(Header(kind), body=body))[-1]
    return part, decode_body(memoryview(part))


def test_a_reply_body_that_fits_is_sent_as_it_is() -> None:
    body = {"code": "INTERNAL", "message": "x" * 60_000}
    part, read = _sent(MessageType.ERROR, body)
    assert read == body and len(part) <= MAX_BODY_BYTES


def test_an_over_long_reply_has_its_strings_cut_first() -> None:
    body = {"code": "BAD_REQUEST", "message": "choose one of " + ", ".join(f"model_{i:05d}.onnx" for i in range(9000))}
    part, read = _sent(MessageType.ERROR, body)
    assert len(part) <= MAX_BODY_BYTES and read["code"] == "BAD_REQUEST" and "truncated" not in read
    assert len(read["message"]) == MAX_REPLY_TEXT and read["message"].endswith(CUT_MARK)
    assert read["message"][:-1] == body["message"][: MAX_REPLY_TEXT - 1]


def test_an_over_long_reply_list_keeps_as_many_leading_entries_as_fit_and_says_truncated() -> None:
    names = [f"client-{i:04d}-" + "\u00e9" * 90 for i in range(600)]  # about 114 KB of names
    body = {"op": "stats", "clients": names, "model": {"backend": "passthrough", "model": None}, "capture": None}
    part, read = _sent(MessageType.CONTROL_REPLY, body)
    assert len(part) <= MAX_BODY_BYTES and read["truncated"] is True
    kept = read["clients"]
    assert 0 < len(kept) < len(names) and kept == names[: len(kept)]
    assert len(encode_body({**read, "clients": names[: len(kept) + 1]})) > MAX_BODY_BYTES, "as many as fit"
    assert {**read, "clients": names} == {**body, "truncated": True}, "nothing else changed"


def test_requests_are_not_shortened_the_server_refuses_them() -> None:
    body = {"client": "x" * (MAX_BODY_BYTES + 1)}
    parts = encode_message(Message(Header(MessageType.HELLO, seq=2), body=body))
    assert json.loads(parts[-1]) == body
    with pytest.raises(ProtocolError) as refused:
        decode_message(parts)
    assert refused.value.code == ErrorCode.BAD_BODY


def test_the_server_keeps_replies_about_a_huge_model_folder_within_the_limit(
    start_server: Callable[..., BridgeServer], connect: Callable[..., BridgeClient], models_dir: Path, tmp_path: Path
) -> None:
    served = tmp_path / "style.onnx"
    shutil.copy(models_dir / "tiny_a.onnx", served)
    names = sorted(f"{i:04d}_{'m' * 200}.onnx" for i in range(400))  # ~84 KB of names: listed, never loaded
    for name in names:
        (tmp_path / name).write_bytes(b"")
    server = start_server(load_backend("auto", served), model_root=served, watch=False)
    client = connect(server.endpoint)
    listed = client.control("list_models")  # the client's decoder refuses a body over the limit
    assert listed["truncated"] is True
    assert [entry["name"] for entry in listed["models"]] == names[: len(listed["models"])]
    unknown = client.request(Message(Header(MessageType.CONTROL), body={"op": "load_model", "model": "nope.onnx"}))
    assert unknown.type == MessageType.ERROR and unknown.header.code == ErrorCode.BAD_REQUEST
    message = unknown.body["message"]
    assert message.startswith("model 'nope.onnx' is not in the server's model folder")
    assert len(message) == MAX_REPLY_TEXT and message.endswith(CUT_MARK)
    assert client.control("stats")["model"]["model"] == "style.onnx"  # still serving
