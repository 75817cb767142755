"""Atomic file writes and image files.

Anything another process may read while we write it (checkpoints picked up by a watcher, models
Unity imports, captured frames) is written to a temporary file in the same folder, flushed to
disk, then renamed over the target: readers see the old file or the new one, never half of one.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from pipeline.core.errors import StylebridgeError

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".tga", ".tif", ".tiff", ".webp"})
TEMP_SUFFIX = ".partial"


def _process_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


# mkstemp makes owner-only files; a finished file gets the mode any new file would (0o644 under umask 022),
# so Unity or a CI job running as another user can read what we deploy. Read once, at import.
FILE_MODE = 0o666 & ~_process_umask()


class FileWriteError(StylebridgeError, OSError):
    """A file could not be written; the message names the file asked for, never the temp file behind it."""


@contextlib.contextmanager
def _writing(target: Path) -> Iterator[None]:
    """Our own steps of an atomic write: an OSError in them becomes a FileWriteError about `target`."""
    try:
        yield
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise FileWriteError(f"cannot write {target}: {reason}; choose a folder you can write to") from exc


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """Open a temporary file beside `path` for binary writing; rename it onto `path` on success.

    Temp names start with '.' and end in TEMP_SUFFIX, so folder scans that skip hidden files
    never see them. On an exception the temp file is removed and `path` is untouched. Failing to
    create, flush or rename the file raises FileWriteError naming `path`; errors of the caller's own
    code inside the `with` block pass through unchanged.
    """
    target = Path(path)
    with _writing(target):
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=TEMP_SUFFIX, dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            with _writing(target):
                if hasattr(os, "fchmod"):  # POSIX; on Windows the temp file already has the folder's permissions
                    os.fchmod(fd, FILE_MODE)
            yield handle
            with _writing(target):
                handle.flush()
                os.fsync(handle.fileno())
        with _writing(target):
            os.replace(tmp_name, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise


@contextlib.contextmanager
def exclusive_lock(path: str | os.PathLike[str]) -> Iterator[None]:
    """Hold an exclusive lock on a lock file, across processes (a watcher and a CLI `deploy` at once).

    The lock file is left in place (deleting it would race with the next locker); the lock itself
    dies with the process holding it, so a killed process never leaves a stale lock.
    """
    lock_path = Path(path)
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a+b") as handle:
        if os.name == "nt":
            import msvcrt

            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_LOCK, 1)  # retries for 10 s, then raises OSError
            try:
                yield
            finally:
                handle.seek(0)
                msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
        else:
            import fcntl

            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def atomic_write(path: str | os.PathLike[str], write: Callable[[BinaryIO], object]) -> Path:
    """Call `write(handle)` on a temp file, then rename it onto `path`."""
    with atomic_open(path) as handle:
        write(handle)
    return Path(path)


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    return atomic_write(path, lambda handle: handle.write(data))


def atomic_write_text(path: str | os.PathLike[str], text: str) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"))


class ImageReadError(StylebridgeError, ValueError):
    """A file could not be decoded as an image."""


def load_rgb(path: str | os.PathLike[str]) -> np.ndarray:
    """Read any Pillow-readable image as an upright (EXIF-rotated) uint8 RGB array (H, W, 3)."""
    try:
        with Image.open(path) as image:
            image = ImageOps.exif_transpose(image)
            return np.asarray(image.convert("RGB"), dtype=np.uint8).copy()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ImageReadError(f"cannot read {path} as an image ({exc}); replace or delete the file") from exc


def save_png(path: str | os.PathLike[str], image: np.ndarray, compress_level: int = 6) -> Path:
    """Write a uint8 (H, W, 3|4) array as a lossless PNG, atomically."""
    picture = Image.fromarray(np.ascontiguousarray(image))
    return atomic_write(path, lambda handle: picture.save(handle, format="PNG", compress_level=compress_level))


def save_image(path: str | os.PathLike[str], image: np.ndarray) -> Path:
    """Write a uint8 RGB array in the format its suffix names (PNG, JPEG quality 95, ...), atomically."""
    suffix = Path(path).suffix.lower()
    if suffix == ".png":
        return save_png(path, image)
    image_format = Image.registered_extensions().get(suffix)
    if image_format is None:
        raise ImageReadError(f"cannot write {path}: unknown image suffix {suffix!r}; use .png or .jpg")
    picture = Image.fromarray(np.ascontiguousarray(image))
    options = {"quality": 95} if image_format == "JPEG" else {}
    return atomic_write(path, lambda handle: picture.save(handle, format=image_format, **options))


def list_images(root: str | os.PathLike[str]) -> list[Path]:
    """Every image file under `root` (recursively, sorted, hidden files and folders skipped)."""
    root = Path(root)
    if root.is_file():
        return [root]
    if not root.is_dir():
        raise FileNotFoundError(f"no images: {root} does not exist")
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        found.extend(
            Path(dirpath, name)
            for name in filenames
            if not name.startswith(".") and Path(name).suffix.lower() in IMAGE_SUFFIXES
        )
    return sorted(found)


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
