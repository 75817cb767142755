"""The bridge server: one ROUTER socket, newest-frame-wins per client, replies for every request.

Threads and who owns what:

* the socket thread (`serve_forever`) owns the ROUTER socket. It decodes and checks every
  message, answers HELLO / PING / CONTROL / errors itself, queues frames in the `Scheduler`
  (answering a replaced frame DROPPED at once) and forwards replies the other threads produce;
* the `InferenceWorker` runs the model; the `CaptureWriter` writes PNGs; the `ModelLoader` loads
  new models. They hand replies back through the `Outbox`, an inproc PUSH/PULL pair the socket
  thread polls along with the ROUTER, so no ZeroMQ socket is ever touched by two threads.
"""

from __future__ import annotations

import logging
import secrets
import struct
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import zmq

from bridge.backends import Backend, ModelSlot
from bridge.bodies import Capture, Control, Hello, request_fields
from bridge.capture import CaptureRequest, CaptureResult, CaptureStore, CaptureWriter
from bridge.compat import SERVER_CAPABILITIES, minor_mismatch_warning, version_text
from bridge.hotswap import LoadOutcome, ModelLoader, ModelWatcher
from bridge.outbox import Outbox
from bridge.pixels import payload_array
from bridge.protocol import (
    DEFAULT_ENDPOINT,
    DEFAULT_MAX_PIXELS,
    T_SEND_OFFSET,
    ErrorCode,
    Header,
    Message,
    MessageType,
    ProtocolError,
    decode_message,
    encode_message,
    error_message,
    now_us,
    readable_header,
)
from bridge.scheduler import FRAMES_HELD, Job, Scheduler
from bridge.security import CurveServer, check_bind, secure_server
from bridge.stats import Stats
from bridge.worker import InferenceWorker, Request
from pipeline import __version__
from pipeline.core.errors import StylebridgeError
from pipeline.inference.files import is_model_file

log = logging.getLogger(__name__)

PIXEL_FORMATS = ["RGBA32", "RGB24"]
# what clients send; the other types are the server's replies
REQUESTS = {MessageType.HELLO, MessageType.FRAME, MessageType.COMPARE, MessageType.CAPTURE, MessageType.CONTROL}
POLL_MS = 100


def _readable(socket: zmq.Socket) -> bool:
    """A whole message is waiting (cheaper than a non-blocking receive that raises zmq.Again)."""
    return bool(socket.get(zmq.EVENTS) & zmq.POLLIN)


class BridgeBindError(StylebridgeError, OSError):
    """The endpoint cannot be bound (in use, or not an address of this machine)."""


class BridgeConfigError(StylebridgeError, ValueError):
    """A server setting that cannot work."""


@dataclass
class ServerConfig:
    bind: str = DEFAULT_ENDPOINT
    max_in_flight: int = FRAMES_HELD  # frames a client may keep in flight (granted in HELLO_ACK): 1 or 2
    max_pixels: int = DEFAULT_MAX_PIXELS
    receive_hwm: int = 4  # messages queued from one client before TCP pushes back on it
    # replies queued to one client before further ones are lost: room for a burst of small DROPPED and
    # ERROR replies from a client that ignores its credit, yet bounded (RESULTs are frame-sized)
    send_hwm: int = 32
    model_root: Path | None = None  # the --model file or folder: listed, loaded from and watched
    watch: bool = True
    backend_kind: str = "auto"
    device: str = "auto"
    capture_dir: Path | None = None
    capture_queue: int = 16
    compare_dir: Path | None = None
    curve_keys: Path | None = None
    insecure: bool = False
    stats_interval: float = 10.0
    peer_timeout: float = 60.0  # forget a client silent for this long (it must HELLO again)


@dataclass
class Peer:
    name: str
    session: str
    max_in_flight: int
    last_seen: float


class BridgeServer:
    def __init__(self, backend: Backend, config: ServerConfig | None = None) -> None:
        self.config = config or ServerConfig()
        check_bind(self.config.bind, self.config.curve_keys, self.config.insecure)
        self.max_in_flight = self._frames_in_flight(self.config.max_in_flight)
        self.stats = Stats()
        self.slot = ModelSlot(backend)
        self.endpoint: str | None = None  # the bound address, once bound (port 0 resolved)
        self.peers: dict[bytes, Peer] = {}
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._startup_error: BaseException | None = None
        self._thread: threading.Thread | None = None
        self.curve: CurveServer | None = None

    @staticmethod
    def _frames_in_flight(wanted: int) -> int:
        """What HELLO_ACK grants at most: 1 (lockstep) or 2; more would only make a drop storm (PROTOCOL.md,
        "Pacing"): each extra frame displaces the waiting one, and its DROPPED frees credit for the next."""
        if wanted < 1:
            raise BridgeConfigError(f"max_in_flight must be at least 1, got {wanted}")
        if wanted > FRAMES_HELD:
            log.warning(
                "max_in_flight %d: the server holds one running and one waiting frame per client, so a frame beyond "
                "%d can only displace the waiting one; granting %d",
                wanted, FRAMES_HELD, FRAMES_HELD,
            )  # fmt: skip
        return min(wanted, FRAMES_HELD)

    # -- lifecycle --------------------------------------------------------------------------------
    def start(self, timeout: float = 30.0) -> str:
        """Serve from a background thread; returns the bound endpoint once it accepts clients."""
        self._thread = threading.Thread(target=self._serve_in_thread, name="bridge-socket", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            raise TimeoutError("the bridge server did not start")
        if self._startup_error is not None:
            raise self._startup_error
        assert self.endpoint is not None
        return self.endpoint

    def stop(self) -> None:
        """Ask the server to finish (queued captures are written first); waits when it runs in a thread."""
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()

    def _serve_in_thread(self) -> None:
        try:
            self.serve_forever()
        except Exception:
            if self._startup_error is None:
                raise  # start() re-raises startup errors in the caller's thread

    def serve_forever(self) -> None:
        context = zmq.Context()
        try:
            self._open(context)
        except BaseException as exc:
            self._startup_error = exc
            self._ready.set()
            if self.curve is not None:
                self.curve.stop()
            context.destroy(linger=0)
            raise
        self._ready.set()
        try:
            self._loop()
        except KeyboardInterrupt:
            log.info("interrupted: finishing queued captures and closing")
        finally:
            self._close(context)

    def _open(self, context: zmq.Context) -> None:
        config = self.config
        self.router = context.socket(zmq.ROUTER)
        self.router.setsockopt(zmq.LINGER, 0)
        self.router.setsockopt(zmq.SNDHWM, config.send_hwm)
        self.router.setsockopt(zmq.RCVHWM, config.receive_hwm)
        self.router.setsockopt(zmq.ROUTER_MANDATORY, 1)
        self.router.setsockopt(zmq.MAXMSGSIZE, 2 * 4 * config.max_pixels + (1 << 20))  # COMPARE: two RGBA frames
        if config.curve_keys is not None:
            self.curve = secure_server(context, self.router, config.curve_keys)
        try:
            self.router.bind(config.bind)
        except zmq.ZMQError as exc:
            raise BridgeBindError(
                f"cannot bind {config.bind}: {exc}. Is another server running there? Choose another --bind"
            ) from exc
        self.endpoint = self.router.getsockopt_string(zmq.LAST_ENDPOINT)
        self.outbox = Outbox(context)
        self.scheduler = Scheduler()
        self.worker = InferenceWorker(self.scheduler, self.slot, self.stats, self.outbox.send, config.compare_dir)
        self.capture = None
        if config.capture_dir is not None:
            store = CaptureStore(config.capture_dir)
            self.capture = CaptureWriter(store, self._captured, config.capture_queue)
        backend, _ = self.slot.current()
        self.loader = self.watcher = None
        if not backend.passthrough:
            self.loader = ModelLoader(self.slot, config.backend_kind, config.device, self.stats, self._loaded)
            if config.watch and config.model_root is not None:
                self.watcher = ModelWatcher(config.model_root, self.loader)
        security = "CURVE" if self.curve else "no encryption"
        log.info("serving %s on %s (%s, %s)", backend.path or "passthrough", self.endpoint, backend.device, security)

    def _close(self, context: zmq.Context) -> None:
        if self.watcher is not None:
            self.watcher.close()
        self.worker.close()
        if self.capture is not None:
            self.capture.close()  # every queued frame is written and acknowledged
        if self.loader is not None:
            self.loader.close()
        self._forward_replies()
        self.outbox.close()
        self.router.close(linger=0)
        if self.curve is not None:
            self.curve.stop()
        context.destroy(linger=0)
        log.info("bridge closed; %s", self.stats.describe())

    def _loop(self) -> None:
        poller = zmq.Poller()
        poller.register(self.router, zmq.POLLIN)
        poller.register(self.outbox.pull, zmq.POLLIN)
        next_sweep = time.monotonic()
        next_report = next_sweep + self.config.stats_interval  # each line covers a whole interval
        while not self._stop.is_set():
            events = dict(poller.poll(POLL_MS))
            if self.outbox.pull in events:
                self._forward_replies()
            if self.router in events:
                self._receive_requests()
            now = time.monotonic()
            if now >= next_sweep:
                self._forget_silent_peers(now)
                next_sweep = now + 1.0
            if self.config.stats_interval > 0 and now >= next_report:
                line = self.stats.report()  # None while nothing happens: an idle server stays quiet
                if line:
                    log.info("stats: %s", line)
                next_report = now + self.config.stats_interval

    # -- socket I/O -------------------------------------------------------------------------------
    def _receive_requests(self, batch: int = 64) -> None:
        for _ in range(batch):  # bounded, so replies keep flowing under a flood
            if not _readable(self.router):
                return
            parts = self.router.recv_multipart(zmq.NOBLOCK, copy=False)
            self._handle(parts[0].bytes, parts[1:])

    def _forward_replies(self) -> None:
        while _readable(self.outbox.pull):
            parts = self.outbox.pull.recv_multipart(zmq.NOBLOCK, copy=False)
            self._send(parts[0].bytes, parts[1:])

    def _send(self, client: bytes, parts: list) -> None:
        start = time.perf_counter()
        header = bytearray(parts[0].buffer if isinstance(parts[0], zmq.Frame) else parts[0])
        struct.pack_into("<Q", header, T_SEND_OFFSET, now_us())
        try:
            self.router.send_multipart([client, header, *parts[1:]], zmq.NOBLOCK, copy=False)
        except zmq.ZMQError:  # the client's queue is full or it is gone: the reply cannot be delivered
            self.stats.count("replies_lost")
            return
        if header[6] == MessageType.RESULT:
            self.stats.record("encode", time.perf_counter() - start)

    def _reply(self, client: bytes, message: Message) -> None:
        self._send(client, encode_message(message))

    def _refuse(self, client: bytes, frames: list, error: ProtocolError, t_recv: int) -> None:
        self.stats.count("errors")
        log.debug("refused a message: %s", error)
        request = readable_header(frames)
        self._reply(client, error_message(error.code, error.reason, error.seq, request=request, t_recv_us=t_recv))

    # -- requests ---------------------------------------------------------------------------------
    def _handle(self, client: bytes, frames: list) -> None:
        t_recv, start = now_us(), time.perf_counter()
        try:
            message = decode_message(frames, self.config.max_pixels)
            if message.images:
                self.stats.record("decode", time.perf_counter() - start)
            self._dispatch(client, message, t_recv)
        except ProtocolError as exc:
            self._refuse(client, frames, exc, t_recv)
        except Exception as exc:  # a bug or an environment failure must cost one request, not the server
            log.exception("failed to handle a request")
            reason = f"the server failed on this request ({type(exc).__name__}: {exc}); see the server log"
            self._refuse(client, frames, ProtocolError(ErrorCode.INTERNAL, reason), t_recv)

    def _dispatch(self, client: bytes, message: Message, t_recv: int) -> None:
        """Checks in PROTOCOL.md's order of precedence: the message's own defects (decoding, done by now;
        the type; the body's fields), then the server's state (handshake, features, queues)."""
        header = message.header
        peer = self.peers.get(client)
        if peer is not None:
            peer.last_seen = time.monotonic()
        if header.type == MessageType.PING:
            self._reply(client, Message(header.reply(MessageType.PONG, t_recv_us=t_recv)))
            return
        if header.type not in REQUESTS:
            raise ProtocolError(
                ErrorCode.BAD_REQUEST, f"{header.type.name} is sent by the server, not to it", header.seq
            )
        fields = request_fields(header, message.body)
        if isinstance(fields, Hello):
            self._hello(client, header, fields, t_recv)
            return
        if peer is None:
            raise ProtocolError(ErrorCode.NOT_READY, "send HELLO first (the server may have restarted)", header.seq)
        if header.type == MessageType.FRAME:
            self._frame(client, message, t_recv)
        elif header.type == MessageType.COMPARE:
            if not self.scheduler.put_request(Job(client, "compare", Request(message, t_recv))):
                raise ProtocolError(
                    ErrorCode.OVERLOADED, "too many COMPARE requests waiting; wait for replies", header.seq
                )
        elif isinstance(fields, Capture):
            self._capture(client, peer, message, fields, t_recv)
        elif isinstance(fields, Control):
            self._control(client, header, fields, t_recv)

    def _hello(self, client: bytes, header: Header, hello: Hello, t_recv: int) -> None:
        name = hello.client or client.hex()
        warning = minor_mismatch_warning(f"client {name}", header.minor)
        if warning:
            log.warning("%s", warning)
        granted = min(hello.max_in_flight or self.max_in_flight, self.max_in_flight)
        peer = Peer(name, secrets.token_hex(8), granted, time.monotonic())
        self.peers[client] = peer
        backend, generation = self.slot.current()
        log.info("client %s connected (session %s)", name, peer.session)
        self._reply(client, Message(header.reply(MessageType.HELLO_ACK, t_recv_us=t_recv), body={
            "server": f"stylebridge {__version__}",
            "protocol": version_text(),
            "session": peer.session,
            "caps": list(SERVER_CAPABILITIES),
            "pixel_formats": PIXEL_FORMATS,
            "max_in_flight": peer.max_in_flight,
            "max_pixels": self.config.max_pixels,
            "model": {**backend.info(), "generation": generation},
        }))  # fmt: skip

    def _frame(self, client: bytes, message: Message, t_recv: int) -> None:
        self.stats.count("frames")
        replaced = self.scheduler.put_frame(Job(client, "frame", Request(message, t_recv)))
        if replaced is not None:
            old: Request = replaced.payload
            self.stats.count("dropped")
            reason = f"superseded by frame {message.header.seq}"
            dropped = old.message.header.reply(MessageType.DROPPED, t_recv_us=old.t_recv_us)
            self._reply(client, Message(dropped, body={"reason": reason}))

    def _capture(self, client: bytes, peer: Peer, message: Message, fields: Capture, t_recv: int) -> None:
        header = message.header
        if self.capture is None:
            raise ProtocolError(
                ErrorCode.NOT_CONFIGURED, "capture is off: start the server with --capture-dir", header.seq
            )
        meta = {"source": fields.source or peer.name, "frame_index": fields.frame_index, "seq": header.seq,
                "client": peer.name}  # fmt: skip
        request = CaptureRequest(payload_array(header, message.images[0]), header, meta, (client, t_recv))
        if not self.capture.submit(request):
            self.stats.count("captures_refused")
            raise ProtocolError(
                ErrorCode.OVERLOADED,
                f"the capture writer is {self.capture.capacity} frames behind; this frame was not saved, "
                "send captures more slowly or retry",
                header.seq,
            )

    def _captured(self, result: CaptureResult) -> None:
        """Called in the writer thread once a frame is on disk (or failed)."""
        client, t_recv = result.request.reply_to
        header: Header = result.request.header
        if result.error is not None:
            self.stats.count("errors")
            reply = error_message(ErrorCode.INTERNAL, result.error, request=header, t_recv_us=t_recv)
        else:
            self.stats.count("captures")
            assert self.capture is not None and result.path is not None
            body = {"file": result.record["file"], "index": result.record["index"], "path": str(result.path.resolve()),
                    "backlog": self.capture.backlog, "capacity": self.capture.capacity}  # fmt: skip
            reply = Message(header.reply(MessageType.CAPTURE_ACK, t_recv_us=t_recv), body=body)
        self.outbox.send(client, encode_message(reply))

    def _control(self, client: bytes, header: Header, control: Control, t_recv: int) -> None:
        reply = header.reply(MessageType.CONTROL_REPLY, t_recv_us=t_recv)
        if control.op == "stats":
            self._reply(client, Message(reply, body={"op": control.op, **self.describe()}))
        elif control.op == "list_models":
            backend, _ = self.slot.current()
            models = [{"name": p.name, "current": p == backend.path} for p in self._model_files()]
            self._reply(client, Message(reply, body={"op": control.op, "models": models}))
        else:
            self._load_model(client, header, control.model, t_recv)

    def _model_files(self) -> list[Path]:
        """The model folder's model files: --model's folder, or the folder holding the --model file; none for a
        passthrough server, and none when the folder is gone."""
        root = self.config.model_root
        if root is None or self.loader is None:
            return []
        folder = root if root.is_dir() else root.parent
        try:
            return sorted(p for p in folder.iterdir() if p.is_file() and is_model_file(p))
        except OSError as exc:
            log.warning("cannot list the model folder %s: %s", folder, exc)
            return []

    def _load_model(self, client: bytes, header: Header, name: str | None, t_recv: int) -> None:
        if self.loader is None:
            raise ProtocolError(ErrorCode.BAD_REQUEST, "a passthrough server has no model to switch", header.seq)
        known = {p.name: p for p in self._model_files()}
        if name not in known:
            raise ProtocolError(
                ErrorCode.BAD_REQUEST,
                f"model {name!r} is not in the server's model folder; choose one of {', '.join(known) or '(none)'}",
                header.seq,
            )
        self.loader.request(known[name], reply_to=(client, header, t_recv))

    def _loaded(self, outcome: LoadOutcome) -> None:
        """Called in the loader thread after every load attempt."""
        if outcome.reply_to is None:
            return
        client, header, t_recv = outcome.reply_to
        if outcome.generation is None:
            reason = f"model refused, the old one stays: {outcome.error}"
            reply = error_message(ErrorCode.MODEL_ERROR, reason, request=header, t_recv_us=t_recv)
        else:
            body = {"op": "load_model", "model": outcome.path.name, "generation": outcome.generation}
            header = header.reply(MessageType.CONTROL_REPLY, generation=outcome.generation, t_recv_us=t_recv)
            reply = Message(header, body=body)
        self.outbox.send(client, encode_message(reply))

    def describe(self) -> dict[str, Any]:
        """Stats, the model and clients, as CONTROL stats returns them."""
        backend, generation = self.slot.current()
        capture = None
        if self.capture is not None:
            capture = {"dir": str(self.capture.store.root), "backlog": self.capture.backlog,
                       "capacity": self.capture.capacity, "next_index": self.capture.store.next_index}  # fmt: skip
        return {
            "stats": self.stats.snapshot(),
            "model": {**backend.info(), "generation": generation},
            "clients": [peer.name for peer in self.peers.values()],
            "capture": capture,
        }

    def _forget_silent_peers(self, now: float) -> None:
        for client, peer in list(self.peers.items()):
            if now - peer.last_seen > self.config.peer_timeout:
                log.info("client %s silent for %.0f s: forgotten", peer.name, now - peer.last_seen)
                del self.peers[client]
                self.scheduler.forget(client)
