"""Stylizing a sequence: natural order, names kept, batches equal single frames, resume, video."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from pipeline.cli.main import main
from pipeline.core.fileio import load_rgb, save_png
from pipeline.core.synthetic import game_frame
from pipeline.inference.files import list_sequence, load_stylizer, stylize_sequence
from pipeline.inference.video import can_write_mp4


@pytest.fixture
def sequence(tmp_path: Path) -> Path:
    rng = np.random.default_rng(2)
    for i in (1, 2, 10, 11):
        save_png(tmp_path / "frames" / f"frame_{i}.png", game_frame(rng, 40, 24))
    save_png(tmp_path / "frames" / "frame_3.png", game_frame(rng, 44, 24))  # another size: its own batch
    return tmp_path / "frames"


def test_frames_come_in_natural_order(sequence: Path) -> None:
    assert [p.stem for p in list_sequence(sequence)] == ["frame_1", "frame_2", "frame_3", "frame_10", "frame_11"]


def test_batches_give_what_single_frames_give_and_names_are_kept(
    sequence: Path, make_checkpoint: Callable[..., Path], tmp_path: Path
) -> None:
    stylizer = load_stylizer(make_checkpoint("fewshot-small"), "cpu")
    batched = stylize_sequence(stylizer, sequence, tmp_path / "a", batch_size=3, progress=False)
    single = stylize_sequence(stylizer, sequence, tmp_path / "b", batch_size=1, progress=False)
    assert [p.name for p in batched.outputs] == [f"frame_{i}.png" for i in (1, 2, 3, 10, 11)]
    assert batched.stylized == 5 and batched.frames_per_second > 0
    for a, b in zip(batched.outputs, single.outputs, strict=True):
        assert np.abs(load_rgb(a).astype(int) - load_rgb(b).astype(int)).max() <= 1
        assert np.array_equal(load_rgb(a), stylizer(load_rgb(sequence / a.name)))


def test_a_rerun_skips_the_frames_already_written(
    sequence: Path, make_checkpoint: Callable[..., Path], tmp_path: Path
) -> None:
    stylizer = load_stylizer(make_checkpoint("fewshot-small"), "cpu")
    first = stylize_sequence(stylizer, sequence, tmp_path / "out", progress=False)
    os.utime(first.outputs[0], (1, 1))
    first.outputs[1].unlink()
    again = stylize_sequence(stylizer, sequence, tmp_path / "out", progress=False)
    assert (again.stylized, again.kept) == (1, 4) and first.outputs[0].stat().st_mtime == 1
    assert again.outputs == first.outputs


def test_the_command_writes_frames_and_a_gif(
    sequence: Path, make_checkpoint: Callable[..., Path], tmp_path: Path
) -> None:
    (sequence / "frame_3.png").unlink()  # a video needs one size
    gif = tmp_path / "out.gif"
    args = ["-q", "stylize", str(make_checkpoint("fewshot-small")), str(sequence), "-o", str(tmp_path / "out")]
    assert main([*args, "--video", str(gif), "--batch-size", "2", "--no-progress"]) == 0
    assert len(list((tmp_path / "out").glob("*.png"))) == 4
    with Image.open(gif) as video:
        assert video.n_frames == 4 and video.size == (40, 24)


@pytest.mark.skipif(not can_write_mp4(), reason="PyAV is an optional extra")
def test_an_mp4_is_written_when_pyav_is_installed(
    sequence: Path, make_checkpoint: Callable[..., Path], tmp_path: Path
) -> None:
    (sequence / "frame_3.png").unlink()
    video = tmp_path / "out.mp4"
    stylize_sequence(load_stylizer(make_checkpoint("fewshot-small"), "cpu"), sequence, tmp_path / "o", video=video,
                     progress=False)  # fmt: skip
    import av

    with av.open(str(video)) as container:
        assert sum(1 for _ in container.decode(video=0)) == 4
