"""Writing image sequences as videos: MP4 through PyAV when it is installed (`pip install 'stylebridge[video]'`),
animated GIF through Pillow always. Neither is required by anything else in stylebridge."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
from PIL import Image

from pipeline.core.errors import StylebridgeError
from pipeline.core.fileio import atomic_open, load_rgb


class VideoWriterMissingError(StylebridgeError, RuntimeError):
    """An .mp4 was asked for but no video writer (PyAV) is installed."""


def can_write_mp4() -> bool:
    return importlib.util.find_spec("av") is not None


def require_video_writer(path: str | Path) -> None:
    """Fail before the work if `path` cannot be written (checked up front, not after an hour of stylizing)."""
    suffix = Path(path).suffix.lower()
    if suffix == ".gif":
        return
    if suffix not in (".mp4", ".mkv", ".mov"):
        raise VideoWriterMissingError(f"cannot write {path}: use a .mp4 (PyAV) or .gif file name")
    if not can_write_mp4():
        raise VideoWriterMissingError(
            f"writing {path} needs PyAV: pip install 'stylebridge[video]' (or write a .gif instead)"
        )


def write_video(path: str | Path, frames: Iterable[np.ndarray], fps: float = 30.0) -> Path:
    """Write uint8 RGB frames (all one size) as H.264 .mp4 (PyAV) or a looping .gif, atomically."""
    require_video_writer(path)
    if Path(path).suffix.lower() == ".gif":
        return _write_gif(Path(path), list(frames), fps)
    import av  # optional: checked by require_video_writer

    with atomic_open(path) as handle, av.open(handle, mode="w", format="mp4") as container:
        stream = None
        for frame in frames:
            if stream is None:
                stream = container.add_stream("libx264", rate=round(fps))
                stream.height, stream.width = frame.shape[0] - frame.shape[0] % 2, frame.shape[1] - frame.shape[1] % 2
                stream.pix_fmt = "yuv420p"  # what players expect; needs even sizes
                stream.options = {"crf": "18"}
            picture = np.ascontiguousarray(frame[: stream.height, : stream.width])
            container.mux(stream.encode(av.VideoFrame.from_ndarray(picture, format="rgb24")))
        if stream is not None:
            container.mux(stream.encode(None))
    return Path(path)


def write_video_from_files(path: str | Path, files: Sequence[Path], fps: float = 30.0) -> Path:
    return write_video(path, (load_rgb(f) for f in files), fps)


def _write_gif(path: Path, frames: list[np.ndarray], fps: float) -> Path:
    if not frames:
        raise ValueError(f"no frames to write to {path}")
    pictures = [Image.fromarray(frame).quantize(colors=256, method=Image.Quantize.MEDIANCUT) for frame in frames]
    duration = round(1000 / fps)
    with atomic_open(path) as handle:
        pictures[0].save(handle, format="GIF", save_all=True, append_images=pictures[1:], duration=duration, loop=0)
    return path
