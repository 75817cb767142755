"""Pictures made for people: the difference heatmap on a fixed colour scale, its legend, captions, strips.

The heatmap paints |a - b| (the largest channel) in 8-bit levels on one fixed scale, the same in
every picture, report and PNG: HEAT_STOPS levels get the HEAT_COLORS anchors (black, purple, red,
orange, pale yellow) and levels between are interpolated. 1/255 rounding noise is a dark purple,
a visible but plainly small difference, and 128 levels or more are pale yellow. A scale stretched
to each picture's largest difference (what it was before) paints rounding noise as bright as a
broken frame, so two heatmaps could not be compared by eye.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFont

HEAT_STOPS = (0, 2, 8, 32, 128)  # 8-bit levels of |difference| at the anchor colours
HEAT_COLORS = np.array([[0, 0, 0], [80, 18, 123], [212, 72, 66], [252, 200, 40], [252, 255, 164]], np.float32)
FONT_PX = 13
CAPTION_PX = 20  # the band a caption is written in
BACKGROUND = (255, 255, 255)
INK = (29, 35, 43)


def difference_levels(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """|a - b| in 8-bit levels, largest channel, (H, W) float32. uint8 pictures are levels already;
    float pictures are taken as [0, 1]."""
    if a.shape != b.shape:
        raise ValueError(f"cannot compare pictures of shapes {a.shape} and {b.shape}")
    scale = 1.0 if a.dtype == np.uint8 else 255.0
    return np.abs(a.astype(np.float32) - b.astype(np.float32)).max(axis=2) * scale


def heat_colors(levels: np.ndarray) -> np.ndarray:
    """8-bit levels of difference (any shape) -> uint8 RGB colours on the fixed scale (shape + (3,))."""
    position = np.interp(levels, HEAT_STOPS, np.arange(len(HEAT_STOPS)))
    anchors = np.arange(len(HEAT_COLORS))
    rgb = [np.interp(position, anchors, HEAT_COLORS[:, c]) for c in range(3)]
    return np.stack(rgb, axis=-1).round().astype(np.uint8)


def heatmap(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """|a - b| of two (H, W, 3) pictures (both uint8, or both float in [0, 1]) as a uint8 RGB heatmap."""
    return heat_colors(difference_levels(a, b))


def _font() -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=FONT_PX)


def _write(draw: ImageDraw.ImageDraw, x: float, y: float, text: str, align: float = 0.0) -> None:
    """`text` with its top at y; align 0 puts its left edge at x, 0.5 its middle, 1 its right edge."""
    left, _, right, _ = draw.textbbox((0, 0), text, font=_font())
    draw.text((round(x - align * (right - left)), y), text, fill=INK, font=_font())


def heat_legend(width: int) -> np.ndarray:
    """The colour scale as a uint8 picture at least `width` wide (wide enough for its title): a bar with the
    stops evenly spaced and their levels under it, and what it measures above it."""
    margin, bar_px = 6, 10
    title = f"|difference| in levels of 255, largest channel; one fixed scale, {HEAT_STOPS[-1]} and more the same"
    left, _, right, _ = ImageDraw.Draw(Image.new("RGB", (1, 1))).textbbox((0, 0), title, font=_font())
    width = max(width, right - left + 2 * margin)
    top = CAPTION_PX
    canvas = Image.new("RGB", (width, top + bar_px + FONT_PX + 8), BACKGROUND)
    draw = ImageDraw.Draw(canvas)
    _write(draw, margin, 3, title)
    span = width - 2 * margin
    levels = np.interp(np.linspace(0, len(HEAT_STOPS) - 1, span), np.arange(len(HEAT_STOPS)), HEAT_STOPS)
    canvas.paste(Image.fromarray(np.repeat(heat_colors(levels)[None], bar_px, axis=0)), (margin, top))
    last = len(HEAT_STOPS) - 1
    for index, level in enumerate(HEAT_STOPS):
        _write(draw, margin + index / last * (span - 1), top + bar_px + 2, str(level), index / last)
    return np.asarray(canvas)


def captioned(image: np.ndarray, caption: str) -> np.ndarray:
    """A uint8 (H, W, 3) picture with `caption` written in a band above it."""
    height, width = image.shape[:2]
    canvas = Image.new("RGB", (width, height + CAPTION_PX), BACKGROUND)
    canvas.paste(Image.fromarray(image), (0, CAPTION_PX))
    _write(ImageDraw.Draw(canvas), 3, 3, caption)
    return np.asarray(canvas)


def side_by_side(panels: Sequence[np.ndarray], gap: int) -> np.ndarray:
    """uint8 pictures of one height, left to right, `gap` background pixels apart."""
    height = panels[0].shape[0]
    if any(p.shape[0] != height for p in panels):
        raise ValueError(f"panels differ in height: {[p.shape[0] for p in panels]}")
    spacer = np.full((height, gap, 3), BACKGROUND, np.uint8)
    return np.concatenate([part for panel in panels for part in (spacer, panel)][1:], axis=1)


def stacked(top: np.ndarray, bottom: np.ndarray, bottom_align: str = "left") -> np.ndarray:
    """Two uint8 pictures one above the other: `top` at the left, `bottom` at the left or right edge."""
    width = max(top.shape[1], bottom.shape[1])

    def padded(image: np.ndarray, left: bool) -> np.ndarray:
        extra = np.full((image.shape[0], width - image.shape[1], 3), BACKGROUND, np.uint8)
        return np.concatenate([image, extra] if left else [extra, image], axis=1)

    return np.concatenate([padded(top, True), padded(bottom, bottom_align == "left")], axis=0)
