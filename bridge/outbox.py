"""Replies from worker threads to the socket thread, without sharing a ZeroMQ socket between threads.

ZeroMQ sockets belong to one thread. The socket thread binds an inproc PULL socket and polls it
beside the ROUTER; every other thread that produces replies (inference worker, capture writer,
model loader) gets its own PUSH socket connected to it on first use. inproc passes the frames
without copying them.
"""

from __future__ import annotations

import secrets
import threading

import zmq


class Outbox:
    """Replies from any thread to the socket thread: each thread gets its own inproc PUSH socket."""

    def __init__(self, context: zmq.Context) -> None:
        self.context = context
        self.endpoint = f"inproc://stylebridge-outbox-{secrets.token_hex(4)}"
        self.pull = context.socket(zmq.PULL)
        self.pull.bind(self.endpoint)
        self._local = threading.local()
        self._pushes: list[zmq.Socket] = []
        self._lock = threading.Lock()

    def send(self, client: bytes, parts: list) -> None:
        push = getattr(self._local, "push", None)
        if push is None:
            push = self.context.socket(zmq.PUSH)
            push.connect(self.endpoint)
            self._local.push = push
            with self._lock:
                self._pushes.append(push)
        push.send_multipart([client, *parts], copy=False)

    def close(self) -> None:
        with self._lock:
            for push in self._pushes:
                push.close(linger=0)
        self.pull.close(linger=0)
