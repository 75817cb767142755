"""The reference Python client: handshake, frames in flight with newest-frame-wins, timeouts, reconnects.

Tests, benchmarks and Python tools use it; the Unity client implements the same behaviour in C#.
Images are numpy uint8 arrays (H, W, 3) or (H, W, 4) sent as they are: `row_order` and
`color_encoding` describe the array's rows and bytes, and results come back in the same layout.
Arrays handed to `submit` are sent without copying; do not modify one until its reply arrives.
"""

from __future__ import annotations

import itertools
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import zmq

from bridge.compat import CLIENT_CAPABILITIES, minor_mismatch_warning
from bridge.pixels import payload_array, pixel_format_of
from bridge.protocol import (
    DEFAULT_ENDPOINT,
    FLAG_DIAGNOSE,
    FLAG_SAVE_VISUAL,
    ColorEncoding,
    ErrorCode,
    Header,
    Message,
    MessageType,
    ProtocolError,
    RowOrder,
    decode_message,
    encode_message,
    now_us,
)
from bridge.security import secure_client
from pipeline.core.errors import StylebridgeError

log = logging.getLogger(__name__)

FRAME_REPLIES = {MessageType.RESULT, MessageType.DROPPED, MessageType.ERROR}


class BridgeError(StylebridgeError):
    """The bridge could not do what was asked; the message says why."""


class BridgeTimeout(BridgeError, TimeoutError):
    """No reply in time: the server is down, overloaded, or unreachable (keys, address)."""


class ServerError(BridgeError):
    """The server answered ERROR."""

    def __init__(self, code: ErrorCode, reason: str) -> None:
        super().__init__(f"server error {code.name}: {reason}")
        self.code = code
        self.reason = reason


@dataclass
class Reply:
    header: Header
    images: list[np.ndarray] = field(default_factory=list)  # read-only views, in the request's layout
    body: dict[str, Any] | None = None
    received: float = 0.0  # time.perf_counter() on arrival

    @property
    def type(self) -> MessageType:
        return self.header.type

    @property
    def seq(self) -> int:
        return self.header.seq

    @property
    def image(self) -> np.ndarray:
        return self.images[0]

    def raise_for_error(self) -> Reply:
        if self.type == MessageType.ERROR:
            body = self.body or {}
            raise ServerError(ErrorCode(self.header.code), str(body.get("message", "")))
        return self


class BridgeClient:
    def __init__(
        self,
        endpoint: str = DEFAULT_ENDPOINT,
        *,
        name: str = "python",
        timeout: float = 2.0,
        max_in_flight: int = 2,
        curve_keys: Path | None = None,
        context: zmq.Context | None = None,
    ) -> None:
        """curve_keys: a folder written by `stylebridge keys` (server.key + client.key_secret)."""
        self.endpoint, self.name, self.timeout = endpoint, name, timeout
        self.wanted_in_flight = max_in_flight
        self.max_in_flight = max_in_flight
        self.curve_keys = curve_keys
        self.context = context or zmq.Context.instance()
        self.server: dict[str, Any] = {}  # the HELLO_ACK body
        self.in_flight: dict[int, tuple[float, np.ndarray]] = {}  # seq -> (sent at, the array being sent)
        self.pending: tuple[np.ndarray, RowOrder, ColorEncoding] | None = None  # newest frame waiting for credit
        self.skipped = 0  # frames replaced in `pending` before they could be sent
        self.rehandshake_interval = 1.0  # seconds between attempts to renew a session the server forgot
        self._next_rehandshake = 0.0
        self._seq = itertools.count(1)
        self._socket: zmq.Socket | None = None

    # -- connection -----------------------------------------------------------------------------
    def connect(self) -> dict[str, Any]:
        """Open the socket and handshake; returns the server's HELLO_ACK body."""
        self.close()
        socket = self.context.socket(zmq.DEALER)
        for option, value in ((zmq.LINGER, 0), (zmq.IMMEDIATE, 1), (zmq.SNDHWM, 4), (zmq.RCVHWM, 16),
                              (zmq.RECONNECT_IVL, 100), (zmq.RECONNECT_IVL_MAX, 1000)):  # fmt: skip
            socket.setsockopt(option, value)
        if self.curve_keys is not None:
            secure_client(socket, self.curve_keys / "server.key", self.curve_keys / "client.key_secret")
        socket.connect(self.endpoint)
        self._socket = socket
        return self.handshake()

    def handshake(self) -> dict[str, Any]:
        body = {"client": self.name, "caps": list(CLIENT_CAPABILITIES)}
        hello = Message(Header(MessageType.HELLO), body={**body, "max_in_flight": self.wanted_in_flight})
        reply = self.request(hello, retry=False).raise_for_error()
        if reply.type != MessageType.HELLO_ACK:
            raise BridgeError(f"expected HELLO_ACK, got {reply.type.name}")
        warning = minor_mismatch_warning(f"the server at {self.endpoint}", reply.header.minor)
        if warning:
            log.warning("%s", warning)
        self.server = reply.body or {}
        self.max_in_flight = int(self.server.get("max_in_flight", 1))
        self.in_flight.clear()
        return self.server

    def reconnect(self) -> dict[str, Any]:
        """A fresh socket and handshake (after a server restart or a lost connection)."""
        log.info("reconnecting to %s", self.endpoint)
        return self.connect()

    def close(self) -> None:
        if self._socket is not None:
            self._socket.close(linger=0)
            self._socket = None

    def __enter__(self) -> BridgeClient:
        self.connect()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- raw messages ---------------------------------------------------------------------------
    @property
    def socket(self) -> zmq.Socket:
        if self._socket is None:
            raise BridgeError("the client is not connected; call connect() first")
        return self._socket

    def send(self, message: Message, timeout: float | None = None) -> int:
        """Send a message (a seq is assigned when it has none); waits up to `timeout` for the connection."""
        if not message.header.seq:
            message.header.seq = next(self._seq)
        message.header.t_client_us = now_us()
        if not self.socket.poll(int(1000 * (self.timeout if timeout is None else timeout)), zmq.POLLOUT):
            raise BridgeTimeout(f"cannot send to {self.endpoint}: no connection (is the server running?)")
        self.socket.send_multipart(encode_message(message), copy=False)
        return message.header.seq

    def receive(self, timeout: float | None = None) -> Reply:
        """The next reply, waiting up to `timeout` seconds (default: the client's timeout)."""
        wait = self.timeout if timeout is None else timeout
        if not self.socket.poll(int(wait * 1000), zmq.POLLIN):
            raise BridgeTimeout(f"no reply from {self.endpoint} within {wait:.1f} s")
        frames = self.socket.recv_multipart(copy=False)
        received = time.perf_counter()
        try:
            message = decode_message(frames)
        except ProtocolError as exc:
            raise BridgeError(f"the server sent an unreadable message: {exc}") from exc
        images = [payload_array(message.header, image) for image in message.images]
        reply = Reply(message.header, images, message.body, received)
        if reply.seq in self.in_flight and reply.type in FRAME_REPLIES:
            del self.in_flight[reply.seq]
        return reply

    def request(self, message: Message, retry: bool = True, resend_after_timeout: bool = True) -> Reply:
        """Send and wait for the reply with the same seq.

        With `retry`, a server that no longer knows this client (it restarted) gets a new handshake,
        and (unless `resend_after_timeout` is off, for requests that must not run twice) a request
        that timed out is sent once more on a fresh connection.
        """
        try:
            reply = self._exchange(message)
        except BridgeTimeout:
            if not (retry and resend_after_timeout):
                raise
            self.reconnect()
            return self.request(message, retry=False)
        if retry and reply.type == MessageType.ERROR and reply.header.code == ErrorCode.NOT_READY:
            self.handshake()
            return self.request(message, retry=False)
        return reply

    def _exchange(self, message: Message) -> Reply:
        message.header.seq = 0  # a fresh seq for every attempt
        seq = self.send(message)
        deadline = time.monotonic() + self.timeout
        while True:
            reply = self.receive(max(0.0, deadline - time.monotonic()))
            if reply.seq == seq:
                return reply  # anything else is a late reply to something earlier

    # -- live frames ----------------------------------------------------------------------------
    def frame_message(
        self,
        message_type: MessageType,
        images: list[np.ndarray],
        row_order: RowOrder = RowOrder.TOP_DOWN,
        color_encoding: ColorEncoding = ColorEncoding.SRGB,
        body: dict[str, Any] | None = None,
        flags: int = 0,
    ) -> Message:
        first = images[0]
        header = Header(message_type, width=first.shape[1], height=first.shape[0], pixel_format=pixel_format_of(first),
                        row_order=row_order, color_encoding=color_encoding, flags=flags)  # fmt: skip
        return Message(header, [np.ascontiguousarray(image) for image in images], body)

    def submit(
        self,
        pixels: np.ndarray,
        row_order: RowOrder = RowOrder.TOP_DOWN,
        color_encoding: ColorEncoding = ColorEncoding.SRGB,
    ) -> int | None:
        """Send a frame now if there is credit and a connection (returns its seq); else keep it as the one
        pending frame, which `poll` sends later. Never blocks, so a game loop can call it every frame."""
        self._reclaim_expired()
        if len(self.in_flight) < self.max_in_flight:
            message = self.frame_message(MessageType.FRAME, [pixels], row_order, color_encoding)
            try:
                seq = self.send(message, timeout=0.0)
            except BridgeTimeout:  # no connection now (server restarting): keep the frame pending
                pass
            else:
                self.in_flight[seq] = (time.monotonic(), message.images[0])
                return seq
        if self.pending is not None:
            self.skipped += 1
        self.pending = (pixels, row_order, color_encoding)
        return None

    def poll(self, timeout: float = 0.0) -> list[Reply]:
        """Replies that arrived (waiting up to `timeout` for the first); sends the pending frame when credit frees.

        A NOT_READY reply means the server forgot this client (it restarted, or the client was silent
        too long): the session is renewed with a new handshake, at most once per `rehandshake_interval`.
        """
        replies = []
        try:
            replies.append(self.receive(timeout))
            while True:
                replies.append(self.receive(0.0))
        except BridgeTimeout:
            pass
        if any(reply.type == MessageType.ERROR and reply.header.code == ErrorCode.NOT_READY for reply in replies):
            self._renew_session()
        self._reclaim_expired()
        if self.pending is not None and len(self.in_flight) < self.max_in_flight:
            pixels, rows, encoding = self.pending
            self.pending = None
            self.submit(pixels, rows, encoding)
        return replies

    def _renew_session(self) -> None:
        now = time.monotonic()
        if now < self._next_rehandshake:
            return
        self._next_rehandshake = now + self.rehandshake_interval
        try:
            self.handshake()
        except BridgeError as exc:
            log.warning("the server forgot this client and a new handshake failed (%s); retrying later", exc)
        else:
            log.info("the server forgot this client (restarted?); new session %s", self.server.get("session"))

    def _reclaim_expired(self) -> None:
        """Frames unanswered for longer than the timeout give their credit back (late replies are ignored)."""
        limit = time.monotonic() - self.timeout
        for seq in [seq for seq, (sent, _) in self.in_flight.items() if sent < limit]:
            log.debug("frame %d timed out", seq)
            del self.in_flight[seq]

    # -- one-shot calls -------------------------------------------------------------------------
    def stylize(
        self,
        pixels: np.ndarray,
        row_order: RowOrder = RowOrder.TOP_DOWN,
        color_encoding: ColorEncoding = ColorEncoding.SRGB,
    ) -> np.ndarray:
        """Stylize one frame and wait for it; the result has the input's layout."""
        reply = self.request(self.frame_message(MessageType.FRAME, [pixels], row_order, color_encoding))
        if reply.type == MessageType.DROPPED:
            raise BridgeError(f"frame dropped: {(reply.body or {}).get('reason')}")
        return reply.raise_for_error().image

    def compare(
        self,
        source: np.ndarray,
        engine_output: np.ndarray,
        row_order: RowOrder = RowOrder.TOP_DOWN,
        color_encoding: ColorEncoding = ColorEncoding.SRGB,
        save_visual: bool = False,
        diagnose: bool = False,
    ) -> dict[str, Any]:
        """Metrics between the server model's output for `source` and the engine's output for it; with `diagnose`
        (a server with the `diagnosis` capability) also `diagnosis`: why they differ and what to change."""
        images = [source, engine_output]
        flags = (FLAG_SAVE_VISUAL if save_visual else 0) | (FLAG_DIAGNOSE if diagnose else 0)
        message = self.frame_message(MessageType.COMPARE, images, row_order, color_encoding, flags=flags)
        return self.request(message).raise_for_error().body or {}

    def capture(
        self,
        pixels: np.ndarray,
        source: str = "",
        frame_index: int | None = None,
        row_order: RowOrder = RowOrder.TOP_DOWN,
        color_encoding: ColorEncoding = ColorEncoding.SRGB,
    ) -> dict[str, Any]:
        """Save a frame into the server's dataset; returns the ack (file, index, path, backlog) once written.

        A capture that times out is not sent again (it may have been saved): the error says to check
        the server's manifest."""
        body: dict[str, Any] = {"source": source}
        if frame_index is not None:
            body["frame_index"] = frame_index
        message = self.frame_message(MessageType.CAPTURE, [pixels], row_order, color_encoding, body)
        try:
            reply = self.request(message, resend_after_timeout=False)
        except BridgeTimeout as exc:
            raise BridgeTimeout(f"{exc}; the frame may or may not have been saved: check the capture manifest") from exc
        return reply.raise_for_error().body or {}

    def control(self, op: str, **arguments: Any) -> dict[str, Any]:
        """CONTROL ops: stats, list_models, load_model (model=NAME)."""
        message = Message(Header(MessageType.CONTROL), body={"op": op, **arguments})
        return self.request(message).raise_for_error().body or {}

    def ping(self) -> float:
        """Round-trip time in seconds."""
        start = time.perf_counter()
        self.request(Message(Header(MessageType.PING)))
        return time.perf_counter() - start
