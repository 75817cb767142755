"""The fields of request bodies (HELLO, CAPTURE, CONTROL): their types, which are required, their defaults.

PROTOCOL.md's "Request bodies" section is this module in words. Every check here is about the message
alone, never about the server's state, so a malformed body gets BAD_BODY (or BAD_REQUEST for an unknown
CONTROL op) whatever the server is doing; the server then applies its state (handshake, features, queues).
An optional field may be absent or null, both meaning "not given". Unknown keys are ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NoReturn

from bridge.protocol import ErrorCode, Header, MessageType, ProtocolError

CLIENT_NAME_CHARS = 100  # a longer HELLO client name is cut to this many code points
SOURCE_CHARS = 200  # CAPTURE source, at most (code points)
INT64 = (-(2**63), 2**63 - 1)  # frame_index fits a signed 64-bit integer (C# long)
CONTROL_OPS = ("stats", "list_models", "load_model")


@dataclass(frozen=True)
class Hello:
    client: str | None  # None: the server names the client after its connection
    caps: tuple[str, ...]
    max_in_flight: int | None  # None: as many as the server grants


@dataclass(frozen=True)
class Capture:
    source: str | None
    frame_index: int | None


@dataclass(frozen=True)
class Control:
    op: str
    model: str | None  # load_model only (other ops check its type and drop it)


def request_fields(header: Header, body: dict[str, Any] | None) -> Hello | Capture | Control | None:
    """The checked fields of a request's body (None for types without one); raises ProtocolError."""
    fields = _Fields(body or {}, header)
    if header.type == MessageType.HELLO:
        client = fields.string("client")
        return Hello(
            client=client[:CLIENT_NAME_CHARS] if client else None,
            caps=tuple(fields.string_list("caps")),
            max_in_flight=fields.integer("max_in_flight", minimum=1),
        )
    if header.type == MessageType.CAPTURE:
        return Capture(
            source=fields.string("source", max_chars=SOURCE_CHARS) or None,
            frame_index=fields.integer("frame_index", *INT64),
        )
    if header.type == MessageType.CONTROL:
        op = fields.string("op", required=True)
        if op not in CONTROL_OPS:
            raise ProtocolError(
                ErrorCode.BAD_REQUEST, f"unknown CONTROL op {op!r}; use {', '.join(CONTROL_OPS)}", header.seq
            )
        # `model` is a CONTROL field, so it is type-checked on every op (BAD_BODY like any mistyped field), though
        # only load_model needs and uses it
        model = fields.string("model", required=op == "load_model")
        return Control(op, model if op == "load_model" else None)
    return None


class _Fields:
    """Typed reads of one body's fields; a wrong type or a missing required field is BAD_BODY."""

    def __init__(self, body: dict[str, Any], header: Header) -> None:
        self.body, self.header = body, header

    def _get(self, name: str, required: bool, expected: str) -> Any:
        value = self.body.get(name)
        if value is None and required:
            self._refuse(f"{self.header.type.name} needs `{name}` ({expected})")
        return value

    def _refuse(self, reason: str) -> NoReturn:
        raise ProtocolError(ErrorCode.BAD_BODY, reason, self.header.seq)

    def string(self, name: str, required: bool = False, max_chars: int | None = None) -> str | None:
        value = self._get(name, required, "a string")
        if value is None:
            return None
        if not isinstance(value, str):
            self._refuse(f"`{name}` must be a string, got {_json_type(value)}")
        if max_chars is not None and len(value) > max_chars:
            self._refuse(f"`{name}` must be at most {max_chars} characters, got {len(value)}")
        return value

    def integer(self, name: str, minimum: int | None = None, maximum: int | None = None) -> int | None:
        value = self._get(name, False, "an integer")
        if value is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool):  # 2.0 is a JSON number, not an integer
            self._refuse(f"`{name}` must be an integer (no fraction or exponent), got {_json_type(value)}")
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            bounds = f"at least {minimum}" if maximum is None else f"between {minimum} and {maximum}"
            self._refuse(f"`{name}` must be {bounds}, got {value}")
        return value

    def string_list(self, name: str) -> list[str]:
        value = self._get(name, False, "a list of strings")
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            self._refuse(f"`{name}` must be a list of strings, got {_json_type(value)}")
        return value


def _json_type(value: Any) -> str:
    """The JSON name of a decoded value's type, for error messages."""
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list" if all(isinstance(item, str) for item in value) else "a list holding non-strings"
    return "an object"
