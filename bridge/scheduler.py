"""Which frame the inference worker runs next: newest frame per client, clients in turn.

Each client has one slot for a live frame and a short FIFO for explicit requests (COMPARE).
A new frame replaces a waiting one, and the replaced frame is handed back so the server can
answer it DROPPED (credit must always come back). A frame already being run is never replaced.
Clients are served round-robin, so one client flooding frames cannot starve another.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from typing import Any

# A client's live frames held at once: one being run and one waiting. A FRAME beyond these can only
# replace the waiting one, so granting more frames in flight would buy nothing but DROPPED replies.
FRAMES_HELD = 2


@dataclass
class Job:
    client: bytes  # the ROUTER identity of the client
    kind: str  # "frame" or "compare"
    payload: Any  # what the worker needs (decoded message, receive time)


@dataclass
class _Queue:
    frame: Job | None = None
    requests: deque[Job] = field(default_factory=deque)

    def empty(self) -> bool:
        return self.frame is None and not self.requests


class Scheduler:
    def __init__(self, max_requests: int = 4) -> None:
        self.max_requests = max_requests
        self._queues: OrderedDict[bytes, _Queue] = OrderedDict()  # order = whose turn is next
        self._ready = threading.Condition()
        self._closed = False

    def put_frame(self, job: Job) -> Job | None:
        """Queue a live frame; returns the older frame it replaced, if any."""
        with self._ready:
            queue = self._queues.setdefault(job.client, _Queue())
            replaced, queue.frame = queue.frame, job
            self._ready.notify()
            return replaced

    def put_request(self, job: Job) -> bool:
        """Queue a request that must not be dropped; False when that client already has too many waiting."""
        with self._ready:
            queue = self._queues.setdefault(job.client, _Queue())
            if len(queue.requests) >= self.max_requests:
                return False
            queue.requests.append(job)
            self._ready.notify()
            return True

    def take(self, timeout: float) -> Job | None:
        """The next job in round-robin order, waiting up to `timeout` seconds; None when idle or closed."""
        with self._ready:
            if not self._ready.wait_for(lambda: self._closed or self._has_work(), timeout):
                return None
            if self._closed:
                return None
            for client, queue in self._queues.items():
                if queue.empty():
                    continue
                self._queues.move_to_end(client)  # this client goes to the back of the line
                if queue.requests:
                    return queue.requests.popleft()
                job, queue.frame = queue.frame, None
                return job
            return None

    def forget(self, client: bytes) -> list[Job]:
        """Remove a client; returns its waiting jobs."""
        with self._ready:
            queue = self._queues.pop(client, None)
        if queue is None:
            return []
        return [*queue.requests, *([queue.frame] if queue.frame else [])]

    def close(self) -> None:
        with self._ready:
            self._closed = True
            self._ready.notify_all()

    def _has_work(self) -> bool:
        return any(not queue.empty() for queue in self._queues.values())
