"""Choosing keyframes for a teacher: every N, by list, by farthest-point sampling; held-out frames never keyframes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pipeline.core.errors import SettingsError
from pipeline.core.fileio import save_png
from pipeline.training.keyframes import choose_split, evenly_spread, farthest_points, resolve_positions


def write_views(folder: Path, views: list[tuple[int, int]]) -> list[Path]:
    """One flat-coloured 16x12 frame per (colour id, count) run, in order: a sequence of still views."""
    palette = [(200, 40, 40), (40, 200, 40), (40, 40, 200), (220, 220, 40)]
    paths = []
    for colour, count in views:
        for _ in range(count):
            image = np.full((12, 16, 3), palette[colour], np.uint8)
            paths.append(save_png(folder / f"{len(paths):03d}.png", image, 1))
    return paths


def test_farthest_points_starts_at_the_typical_row_and_takes_distinct_rows_first() -> None:
    rows = np.array([[0.0], [0.1], [0.2], [5.0], [0.15], [-4.0]])
    assert farthest_points(rows, 3) == [2, 3, 5]  # 0.2 is nearest the mean 0.24; then the two extremes


def test_a_count_puts_one_keyframe_in_each_distinct_view_of_the_sequence(tmp_path: Path) -> None:
    frames = write_views(tmp_path, [(0, 20), (1, 2), (2, 20), (3, 3)])  # two long views, two brief ones
    split = choose_split(frames, count=4, holdout=0, progress=False)
    views = [0 if i < 20 else 1 if i < 22 else 2 if i < 42 else 3 for i in split.keyframes]
    assert sorted(views) == [0, 1, 2, 3], split  # the brief views are not crowded out by the long ones
    assert "farthest-point" in split.method


def test_every_n_and_an_explicit_list(tmp_path: Path) -> None:
    frames = write_views(tmp_path, [(0, 10)])
    assert choose_split(frames, every=4, holdout=2, progress=False).keyframes == (0, 4, 8)
    split = choose_split(frames, at=("002", "7", "-1"), holdout=3, progress=False)
    assert split.keyframes == (2, 7, 9)  # a name, a position, a position from the end
    assert not set(split.held_out) & set(split.keyframes) and len(split.held_out) == 3


def test_a_name_that_looks_like_a_number_is_the_frame_of_that_name(tmp_path: Path) -> None:
    frames = [save_png(tmp_path / f"{n}.png", np.zeros((4, 4, 3), np.uint8)) for n in (10, 20, 30)]
    assert resolve_positions(["20", "0"], frames) == [0, 1]  # "20" names a frame; "0" is a position
    with pytest.raises(SettingsError, match=r"neither a frame name nor a position 0\.\.2"):
        resolve_positions(["40"], frames)


def test_held_out_frames_are_spread_and_never_keyframes(tmp_path: Path) -> None:
    frames = write_views(tmp_path, [(0, 8), (1, 8), (2, 8)])
    for options in ({"count": 5}, {"every": 3}, {"at": ("0", "5", "6")}):
        split = choose_split(frames, holdout=6, progress=False, **options)
        assert len(split.held_out) == 6 and not set(split.held_out) & set(split.keyframes), options
    assert evenly_spread(list(range(24)), 4) == [3, 9, 15, 21]


def test_too_few_frames_keep_fewer_held_out_frames_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    frames = write_views(tmp_path, [(0, 6)])
    split = choose_split(frames, count=4, holdout=8, progress=False)
    assert len(split.keyframes) == 4 and len(split.held_out) == 2
    assert "only 2 of the 8 held-out frames asked for" in caplog.text


def test_bad_choices_are_refused_plainly(tmp_path: Path) -> None:
    frames = write_views(tmp_path, [(0, 5)])
    with pytest.raises(SettingsError, match="choose keyframes one way: --keyframes-every and --keyframes"):
        choose_split(frames, every=2, count=2, progress=False)
    with pytest.raises(SettingsError, match="6 keyframes asked for, but the sequence has only 5 frames"):
        choose_split(frames, count=6, progress=False)
    with pytest.raises(SettingsError, match="at least 1"):
        choose_split(frames, every=0, progress=False)
    assert len(choose_split(frames, holdout=0, progress=False).keyframes) == 5  # the default count, capped
