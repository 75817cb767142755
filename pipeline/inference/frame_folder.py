"""The frames of a folder in sequence order: a capture folder through its manifest, or any folder of images.

A capture folder is what `serve --capture-dir DIR` writes (bridge/PROTOCOL.md, "Capture files"):
`00000000.png`, `00000001.png`, ... and `manifest.jsonl`, one JSON object per line naming the
`file`, its `index` and the `source` the client captured it from. Its frames are taken in `index`
order with their sources; a PNG the manifest does not list yet (the server was killed between the
two writes) comes in by its number, with no source, as the server would recover it. Lines that are
cut short or name a missing file are skipped. `source` keeps the frames of one source only, when a
folder holds several (two cameras, two clients). Any other folder is read as a plain sequence:
every image under it in natural order (frame_2 before frame_10).
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.core.errors import StylebridgeError
from pipeline.inference.files import list_sequence

log = logging.getLogger(__name__)

MANIFEST = "manifest.jsonl"  # PROTOCOL.md, "Capture files"
CAPTURED_NAME = re.compile(r"^(\d{8})\.png$")


class FrameFolderError(StylebridgeError, ValueError):
    """A folder holds no usable sequence of frames; the message says what to pass instead."""


@dataclass(frozen=True)
class FrameSequence:
    folder: Path
    paths: tuple[Path, ...]  # in sequence order
    sources: tuple[str | None, ...]  # per frame: the capture's source (None: a plain folder, or not recorded)
    captured: bool  # read through a capture manifest

    def __len__(self) -> int:
        return len(self.paths)

    def describe(self) -> str:
        if not self.captured:
            return f"{len(self.paths)} frames in {self.folder}"
        counts = Counter(s or "(no source)" for s in self.sources)
        listed = ", ".join(f"{name} ({n})" for name, n in counts.most_common())
        return f"{len(self.paths)} captured frames in {self.folder} from {listed}"


def read_frames(folder: str | Path, source: str | None = None) -> FrameSequence:
    """The frames of `folder` in order: a capture folder by its manifest, else every image in natural order."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FrameFolderError(f"{folder} is not a folder of frames")
    if (folder / MANIFEST).is_file():
        return _captured(folder, source)
    if source is not None:
        raise FrameFolderError(
            f"{folder} has no {MANIFEST}: only a capture folder written by `serve --capture-dir` knows sources"
        )
    try:
        paths = list_sequence(folder)
    except FileNotFoundError:
        raise FrameFolderError(
            f"no frames (png, jpg, ...) in {folder}; point at a folder of frames or at a `serve --capture-dir` folder"
        ) from None
    return FrameSequence(folder, tuple(paths), (None,) * len(paths), captured=False)


def _captured(folder: Path, source: str | None) -> FrameSequence:
    by_index: dict[int, tuple[Path, str | None]] = {}
    for record in _manifest_records(folder / MANIFEST):
        path = folder / record["file"]
        if path.name == record["file"] and path.is_file() and not path.name.startswith("."):  # names, not paths
            label = record.get("source")
            by_index[int(record["index"])] = (path, label if isinstance(label, str) else None)
    unlisted = 0
    for path in folder.iterdir():
        match = CAPTURED_NAME.match(path.name)
        if match and int(match.group(1)) not in by_index:
            by_index[int(match.group(1))] = (path, None)
            unlisted += 1
    if unlisted:
        log.warning("%d PNGs in %s are not in its manifest yet; taking them by their number", unlisted, folder)
    frames = [by_index[i] for i in sorted(by_index)]
    if source is not None:
        known = sorted({s for _, s in frames if s is not None})
        frames = [f for f in frames if f[1] == source]
        if not frames:
            raise FrameFolderError(
                f"no frames of source {source!r} in {folder}; its sources: {', '.join(known) or 'none recorded'}"
            )
    if not frames:
        raise FrameFolderError(f"the capture folder {folder} holds no frames yet: capture some with the bridge first")
    return FrameSequence(folder, tuple(p for p, _ in frames), tuple(s for _, s in frames), captured=True)


def _manifest_records(manifest: Path) -> list[dict[str, Any]]:
    """The manifest's complete lines that parse as frame records (a torn last line is skipped)."""
    data = manifest.read_bytes()
    complete = data[: data.rfind(b"\n") + 1]
    records = []
    for line in complete.decode("utf-8", errors="replace").splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and isinstance(record.get("file"), str) and isinstance(record.get("index"), int):
            records.append(record)
    return records
