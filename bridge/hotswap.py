"""Hot swap: load a new model off the serving path, then switch to it between frames.

A `SettledFileWatcher` (pipeline/core/filewatch.py, the debouncer the checkpoint watcher uses too)
watches the model file's folder (or the model folder). Once a changed file has stopped changing for
a short quiet period, so a file being copied is not read half-written, the `ModelLoader` thread
loads the newest such model and runs a probe frame on it; only a model that passes replaces the current
one in the `ModelSlot`. Anything else is refused with a log line, and the old model keeps serving.
CONTROL load_model requests go through the same loader.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bridge.backends import Backend, ModelSlot, load_backend
from bridge.stats import Stats
from pipeline.core.filewatch import SettledFileWatcher, Signature, file_signature
from pipeline.inference.files import is_model_file

log = logging.getLogger(__name__)

QUIET_SECONDS = 0.3


@dataclass
class LoadOutcome:
    path: Path
    generation: int | None  # None: refused
    error: str | None
    reply_to: Any


class ModelLoader:
    """One thread that loads, probes and installs models; `on_done` is called in that thread."""

    def __init__(
        self, slot: ModelSlot, kind: str, device: str, stats: Stats, on_done: Callable[[LoadOutcome], None]
    ) -> None:
        self.slot, self.kind, self.device, self.stats, self.on_done = slot, kind, device, stats, on_done
        self._requests: queue.Queue[tuple[Path, Any] | None] = queue.Queue()
        serving, _ = slot.current()
        # (path, size, mtime) of the model installed last: repeated events for it are not reloads
        self._installed = _identity(serving.path) if serving.path else None
        self._thread = threading.Thread(target=self._run, name="model-loader", daemon=True)
        self._thread.start()

    def request(self, path: str | Path, reply_to: Any = None) -> None:
        self._requests.put((Path(path), reply_to))

    def close(self) -> None:
        self._requests.put(None)
        self._thread.join()

    def _run(self) -> None:
        while (item := self._requests.get()) is not None:
            path, reply_to = item
            current, generation = self.slot.current()
            if self._installed is not None and self._installed == _identity(path):
                self.on_done(LoadOutcome(path, generation, None, reply_to))  # a repeated event for the same file
                continue
            try:
                backend: Backend = load_backend(self.kind, path, self.device)
            except Exception as exc:  # any failure is a refusal, never a crash of the server
                self.stats.count("swaps_refused")
                name = current.path.name if current.path else current.kind
                log.warning("refused model %s: %s; still serving %s", path, exc, name)
                self.on_done(LoadOutcome(path, None, str(exc), reply_to))
                continue
            generation = self.slot.swap(backend)
            self._installed = _identity(path)
            self.stats.count("swaps")
            log.info("now serving %s (%s on %s), generation %d", backend.path, backend.kind, backend.device, generation)
            self.on_done(LoadOutcome(path, generation, None, reply_to))


def _identity(path: Path) -> tuple[Path, Signature | None]:
    return path.resolve(), file_signature(path)


class ModelWatcher:
    """Watches a model file (or a folder of models) and asks `loader` to load what changed."""

    def __init__(self, target: str | Path, loader: ModelLoader) -> None:
        target = Path(target).resolve()
        folder = target if target.is_dir() else target.parent
        if target.is_dir():

            def accept(path: Path) -> bool:
                return path.parent.resolve() == folder and is_model_file(path)
        else:

            def accept(path: Path) -> bool:
                return path.resolve() == target

        self._files = SettledFileWatcher(
            folder, accept, lambda files: loader.request(files[-1].path), QUIET_SECONDS, name="model-watch"
        )
        self._files.start()
        log.info("watching %s for new models", target)

    def close(self) -> None:
        self._files.stop(timeout=5)
