"""Frames in sequence order: a capture folder through the manifest the bridge writes, or a plain folder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bridge.capture import MANIFEST, CaptureRequest, CaptureStore
from bridge.protocol import Header, MessageType, PixelFormat
from pipeline.core.fileio import save_png
from pipeline.inference.frame_folder import FrameFolderError, read_frames


def capture(folder: Path, sources: list[str]) -> CaptureStore:
    """Frames written by the bridge's own capture store, one per source given, in that order."""
    store = CaptureStore(folder)
    header = Header(MessageType.CAPTURE, width=8, height=4, pixel_format=PixelFormat.RGB24)
    for i, source in enumerate(sources):
        image = np.full((4, 8, 3), i * 10, np.uint8)
        store.write(CaptureRequest(image, header, {"source": source, "frame_index": i}))
    return store


def test_a_capture_folder_is_read_in_manifest_order_with_its_sources(tmp_path: Path) -> None:
    capture(tmp_path, ["cam0", "cam1", "cam0", "cam0"])
    frames = read_frames(tmp_path)
    assert [p.name for p in frames.paths] == ["00000000.png", "00000001.png", "00000002.png", "00000003.png"]
    assert frames.sources == ("cam0", "cam1", "cam0", "cam0") and frames.captured
    assert "4 captured frames" in frames.describe() and "cam0 (3), cam1 (1)" in frames.describe()
    only = read_frames(tmp_path, source="cam0")
    assert [p.name for p in only.paths] == ["00000000.png", "00000002.png", "00000003.png"]
    with pytest.raises(FrameFolderError, match=r"no frames of source 'cam9'.*its sources: cam0, cam1"):
        read_frames(tmp_path, source="cam9")


def test_the_manifest_not_the_file_names_orders_frames_and_gaps_are_read_as_the_server_recovers_them(
    tmp_path: Path,
) -> None:
    capture(tmp_path, ["a", "b", "c"])
    lines = (tmp_path / MANIFEST).read_text().splitlines()
    (tmp_path / "00000001.png").unlink()  # a line whose file is gone
    (tmp_path / MANIFEST).write_text(lines[2] + "\n" + lines[0] + "\n" + lines[1][:20])  # unordered, torn last line
    save_png(tmp_path / "00000007.png", np.zeros((4, 8, 3), np.uint8))  # written, but killed before its line
    frames = read_frames(tmp_path)
    assert [p.name for p in frames.paths] == ["00000000.png", "00000002.png", "00000007.png"]
    assert frames.sources == ("a", "c", None)


def test_a_plain_folder_is_a_sequence_in_natural_order(tmp_path: Path) -> None:
    for name in ("frame_10.png", "frame_2.png", "frame_1.jpg"):
        save_png(tmp_path / name, np.zeros((4, 4, 3), np.uint8))
    frames = read_frames(tmp_path)
    assert [p.name for p in frames.paths] == ["frame_1.jpg", "frame_2.png", "frame_10.png"]
    assert not frames.captured and frames.sources == (None, None, None)
    with pytest.raises(FrameFolderError, match="only a capture folder written by `serve --capture-dir` knows"):
        read_frames(tmp_path, source="cam0")


def test_missing_and_empty_folders_say_what_to_pass(tmp_path: Path) -> None:
    with pytest.raises(FrameFolderError, match="is not a folder of frames"):
        read_frames(tmp_path / "nowhere")
    with pytest.raises(FrameFolderError, match=r"no frames .* in .*; point at a folder of frames"):
        read_frames(tmp_path)
    CaptureStore(tmp_path / "capture")  # a capture folder before its first frame
    with pytest.raises(FrameFolderError, match="holds no frames yet: capture some with the bridge first"):
        read_frames(tmp_path / "capture")
