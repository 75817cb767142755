"""Captured frames become a dataset: numbered lossless PNGs plus a JSONL manifest, crash-consistent.

Order of writes per frame: the PNG atomically (temp file, fsync, rename), then its manifest line
appended and fsynced. A kill at any point leaves either no PNG, or a complete PNG whose manifest
line is missing or cut short. `CaptureStore.reconcile` (run on every start) repairs exactly those
cases: it drops a torn last line and lines without a file, re-adds lines for complete PNGs the
manifest lacks, and removes hidden temp files, so afterwards manifest and files match one to one.

PNG encoding is slow (tens of ms for 960x540), so a bounded background writer does it; when it
falls behind, `submit` says so instead of queueing without limit.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from bridge.pixels import frame_to_image
from bridge.protocol import Header
from pipeline.core.fileio import TEMP_SUFFIX, atomic_write_text, save_png

log = logging.getLogger(__name__)

MANIFEST = "manifest.jsonl"
FRAME_NAME = re.compile(r"^(\d{8})\.png$")
# What a manifest line knows about the request behind its file. Every line holds these keys; a recovered line
# (a complete PNG found without its line after a crash) cannot know them and holds null.
REQUEST_FIELDS = ("source", "frame_index", "seq", "client")


@dataclass
class CaptureRequest:
    pixels: np.ndarray  # the frame in its wire layout (converted to upright sRGB RGB by the writer)
    header: Header  # says that layout
    meta: dict[str, Any]  # REQUEST_FIELDS: copied into the manifest line
    reply_to: Any = None  # whatever the caller needs to answer the client


@dataclass
class CaptureResult:
    request: CaptureRequest
    record: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None
    error: str | None = None


class CaptureStore:
    """A capture folder: `00000000.png`, `00000001.png`, ... and `manifest.jsonl`, one line per file."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.manifest = self.root / MANIFEST
        self.next_index = self.reconcile()

    def reconcile(self) -> int:
        """Make manifest and files agree after any crash; returns the next free frame index."""
        for stale in self.root.glob(f".*{TEMP_SUFFIX}"):
            stale.unlink(missing_ok=True)
        lines = self._read_complete_lines()
        kept = [r for r in lines if (self.root / str(r.get("file", ""))).is_file()]
        listed = {r["file"] for r in kept}
        for path in sorted(self.root.iterdir()):
            match = FRAME_NAME.match(path.name)
            if match and path.name not in listed:
                kept.append(self._recovered_record(path, int(match.group(1))))
        kept.sort(key=lambda r: int(r.get("index", 0)))
        text = "".join(json.dumps(r, sort_keys=True) + "\n" for r in kept)
        if not self.manifest.exists() or self.manifest.read_bytes() != text.encode():
            atomic_write_text(self.manifest, text)
            log.info("capture folder %s reconciled: %d frames", self.root, len(kept))
        return max((int(r["index"]) for r in kept), default=-1) + 1

    def _read_complete_lines(self) -> list[dict[str, Any]]:
        if not self.manifest.exists():
            return []
        data = self.manifest.read_bytes()
        complete = data[: data.rfind(b"\n") + 1]  # a line without its newline was cut by a crash
        records = []
        for line in complete.decode("utf-8", errors="replace").splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict) and isinstance(record.get("file"), str) and "index" in record:
                records.append(record)
        return records

    def _recovered_record(self, path: Path, index: int) -> dict[str, Any]:
        with Image.open(path) as image:
            width, height = image.size
        stamp = path.stat().st_mtime
        return _record(dict.fromkeys(REQUEST_FIELDS), path.name, index, width, height, stamp, recovered=True)

    def write(self, request: CaptureRequest) -> tuple[Path, dict[str, Any]]:
        """Write one frame (PNG first, then its manifest line); only the writer thread calls this."""
        index = self.next_index
        self.next_index += 1
        path = self.root / f"{index:08d}.png"
        image = frame_to_image(request.pixels, request.header)
        save_png(path, image, compress_level=1)
        height, width = image.shape[:2]
        record = _record(request.meta, path.name, index, width, height, time.time(), recovered=False)
        with open(self.manifest, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(record, sort_keys=True) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        return path, record


def _record(
    meta: dict[str, Any], file: str, index: int, width: int, height: int, unix_time: float, recovered: bool
) -> dict[str, Any]:
    """A manifest line: the same keys on every line (PROTOCOL.md, "Capture files")."""
    iso = datetime.fromtimestamp(unix_time, timezone.utc).isoformat(timespec="milliseconds")
    return {**{key: meta.get(key) for key in REQUEST_FIELDS}, "file": file, "index": index, "width": width,
            "height": height, "unix_time": unix_time, "time": iso, "recovered": recovered}  # fmt: skip


class CaptureWriter:
    """A background thread writing CaptureRequests into a CaptureStore, at most `max_queue` waiting."""

    def __init__(self, store: CaptureStore, on_done: Callable[[CaptureResult], None], max_queue: int = 16) -> None:
        self.store = store
        self.on_done = on_done
        self._queue: queue.Queue[CaptureRequest | None] = queue.Queue(maxsize=max_queue)
        self._thread = threading.Thread(target=self._run, name="capture-writer", daemon=True)
        self._thread.start()

    @property
    def backlog(self) -> int:
        return self._queue.qsize()

    @property
    def capacity(self) -> int:
        return self._queue.maxsize

    def submit(self, request: CaptureRequest) -> bool:
        """Queue a frame; False (nothing queued) when the writer is `max_queue` frames behind."""
        try:
            self._queue.put_nowait(request)
        except queue.Full:
            return False
        return True

    def close(self) -> None:
        """Finish every queued frame, then stop."""
        self._queue.put(None)
        self._thread.join()

    def _run(self) -> None:
        while (request := self._queue.get()) is not None:
            try:
                path, record = self.store.write(request)
                result = CaptureResult(request, record, path)
            except Exception as exc:  # a full disk must not kill the writer; the client is told
                log.error("capture failed: %s", exc)
                result = CaptureResult(request, error=f"writing the frame failed: {exc}")
            self.on_done(result)
