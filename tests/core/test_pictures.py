"""The difference heatmap paints every picture on one fixed scale: rounding noise stays dark, breakage bright."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.core.pictures import HEAT_COLORS, HEAT_STOPS, heat_colors, heatmap


def test_rounding_noise_is_dark_whatever_else_the_picture_holds() -> None:
    a = np.full((4, 8, 3), 100, np.uint8)
    b = a.copy()
    b[0, 0, 1] += 1  # one level of rounding
    quiet = heatmap(a, b)
    b[3, 7] = 255  # and, in a second picture, one broken pixel as well
    loud = heatmap(a, b)
    assert (quiet[0, 0] == loud[0, 0]).all()  # same difference, same colour: the scale does not stretch
    assert quiet[0, 0].max() < 80 and (quiet[1:] == 0).all()  # dark purple, black where equal
    assert (loud[3, 7] == HEAT_COLORS[-1]).all()  # 155 levels: past the last stop


def test_the_stops_get_their_anchor_colours_and_floats_mean_the_unit_range() -> None:
    assert (heat_colors(np.array(HEAT_STOPS, np.float32)) == HEAT_COLORS.astype(np.uint8)).all()
    ours = np.zeros((2, 2, 3), np.float32)
    theirs = np.full((2, 2, 3), 8 / 255, np.float32)
    assert (heatmap(ours, theirs) == heatmap(ours.astype(np.uint8), np.full((2, 2, 3), 8, np.uint8))).all()
    with pytest.raises(ValueError, match="shapes"):
        heatmap(ours, theirs[:1])
