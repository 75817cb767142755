"""Watching a folder for files that are completely written: the one debouncer behind both hot-swap paths.

The checkpoint watcher (export and deploy each new checkpoint) and the bridge server (switch to each
new model) both learn about files from watchdog while a writer may still be writing them. A file
counts as *settled* once the folder has been quiet for `settle_seconds` and the file's signature
(size, mtime) held still across that quiet period; a file that changed in the meantime waits for
another one, and a file that vanished is forgotten. Files that settle together (a burst) are handed
over in one call, oldest first, so a consumer can act on the newest and skip the rest.

Events come from watchdog's thread; one worker thread of this class does the waiting and calls the
consumer, so the consumer never runs twice at once.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

log = logging.getLogger(__name__)

Signature = tuple[int, int]  # (size, mtime_ns): a file whose signature holds still is done being written
EVENT_TYPES = frozenset({"created", "modified", "moved", "closed"})


def file_signature(path: Path) -> Signature | None:
    """(size, mtime_ns), or None when the file is not there."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_size, stat.st_mtime_ns


@dataclass(frozen=True)
class SettledFile:
    path: Path
    signature: Signature  # what it was when it settled


class _Events(FileSystemEventHandler):
    """Forwards accepted file events from watchdog's thread."""

    def __init__(self, accept: Callable[[Path], bool], notify: Callable[[Path], None]) -> None:
        self.accept, self.notify = accept, notify

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.is_directory or event.event_type not in EVENT_TYPES:
            return
        raw = (event.dest_path if event.event_type == "moved" else "") or event.src_path
        path = Path(raw.decode() if isinstance(raw, bytes) else raw)
        if self.accept(path):
            self.notify(path)


class SettledFileWatcher:
    """Calls `on_settled(files)` (in its own thread) with each batch of files that finished being written."""

    def __init__(
        self,
        folder: str | Path,
        accept: Callable[[Path], bool],
        on_settled: Callable[[list[SettledFile]], None],
        settle_seconds: float,
        name: str = "file-watch",
    ) -> None:
        self.folder = Path(folder)
        self.accept, self.on_settled, self.settle_seconds = accept, on_settled, settle_seconds
        self._events: queue.Queue[Path] = queue.Queue()
        self._idle = threading.Event()  # set while nothing is queued, pending or being handed over
        self._idle_lock = threading.Lock()
        self._stopping = threading.Event()
        self._observer = Observer()
        self._observer.daemon = True
        self._worker = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._observer.schedule(_Events(self.accept, self.notify), str(self.folder), recursive=False)
        self._observer.start()
        self._worker.start()

    def notify(self, path: Path) -> None:
        """Treat `path` as just changed (watchdog calls this; so may a caller catching up on old files)."""
        with self._idle_lock:
            self._idle.clear()
            self._events.put(path)

    def wait_until_idle(self, timeout: float) -> bool:
        """Block until every event seen so far has been dealt with; False on timeout."""
        return self._idle.wait(timeout)

    def stop(self, timeout: float = 120.0) -> None:
        """Stop watching; a hand-over in progress is finished first."""
        self._stopping.set()
        if self._observer.is_alive():
            self._observer.stop()
            self._observer.join(timeout)
        if self._worker.is_alive():
            self._worker.join(timeout)

    @property
    def running(self) -> bool:
        return self._worker.is_alive()

    def _run(self) -> None:
        pending: dict[Path, tuple[int, Signature | None]] = {}  # path -> (arrival order, signature at last event)
        order, last_event = 0, 0.0
        while not self._stopping.is_set():
            try:
                path = self._events.get(timeout=0.05)
            except queue.Empty:
                path = None
            if path is not None:
                order += 1
                pending[path] = (order, file_signature(path))
                last_event = time.monotonic()
                continue
            if not pending:
                with self._idle_lock:
                    if self._events.empty():
                        self._idle.set()
                continue
            if time.monotonic() - last_event < self.settle_seconds:
                continue
            settled, changed = self._settle(pending)
            if changed:  # still being written: wait for another quiet period
                last_event = time.monotonic()
                continue
            pending.clear()
            if settled:
                self._hand_over(settled)

    @staticmethod
    def _settle(pending: dict[Path, tuple[int, Signature | None]]) -> tuple[list[SettledFile], bool]:
        """The files whose signature held since their last event (oldest first), and whether any did not."""
        settled, changed = [], False
        for path, (order, before) in list(pending.items()):
            now = file_signature(path)
            if now is None:
                del pending[path]  # gone (a temp file renamed away, a deleted checkpoint)
            elif now != before:
                pending[path] = (order, now)
                changed = True
            else:
                settled.append((now[1], order, SettledFile(path, now)))
        return [item for *_, item in sorted(settled, key=lambda s: (s[0], s[1]))], changed

    def _hand_over(self, files: list[SettledFile]) -> None:
        try:
            self.on_settled(files)
        except Exception:  # the watcher outlives any one consumer failure
            log.exception("handling %s failed", ", ".join(f.path.name for f in files))
