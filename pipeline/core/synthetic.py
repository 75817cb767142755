"""Built-in data: procedurally drawn game-like frames and a mosaic style image.

The demo must run on a fresh machine with no downloads, so it draws its own training set: sky
gradients, a sun, layered mountains, a perspective ground grid, shaded buildings with windows,
trees, a character and a HUD, from a seeded RNG. The style image is a Voronoi mosaic with dark
grout, the texture fast style transfer picks up quickly.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from pipeline.core.fileio import save_png


def _color(rng: np.random.Generator, base: tuple[int, int, int], spread: int = 30) -> tuple[int, int, int]:
    c = np.clip(np.array(base) + rng.integers(-spread, spread + 1, 3), 0, 255)
    return int(c[0]), int(c[1]), int(c[2])


def _mix(a: tuple[int, ...], b: tuple[int, ...], t: float) -> tuple[int, int, int]:
    r, g, bl = (round(x + (y - x) * t) for x, y in zip(a, b, strict=True))
    return r, g, bl


def _value_noise(rng: np.random.Generator, height: int, width: int, cell: int) -> np.ndarray:
    """Smooth random values in [-1, 1] varying over about `cell` pixels (bilinear value noise)."""
    grid = rng.uniform(-1, 1, (height // cell + 2, width // cell + 2)).astype(np.float32)
    picture = Image.fromarray(grid, mode="F").resize(
        (grid.shape[1] * cell, grid.shape[0] * cell), Image.Resampling.BILINEAR
    )
    return np.asarray(picture)[:height, :width]


def _textured(image: np.ndarray, rng: np.random.Generator, strength: float = 0.12) -> np.ndarray:
    """Surface texture (grass, plaster, haze) as brightness variation at 2-16 px: game textures are never flat,
    and flat areas give a style network nothing to turn into the style's texture."""
    height, width = image.shape[:2]
    noise = sum(_value_noise(rng, height, width, cell) * weight for cell, weight in ((2, 0.3), (5, 0.4), (13, 0.3)))
    return np.clip(image * (1 + strength * noise[..., None]), 0, 255).astype(np.uint8)


def game_frame(rng: np.random.Generator, width: int = 384, height: int = 216, textured: bool = False) -> np.ndarray:
    """One game-like RGB frame (height, width, 3) uint8; `textured`: with surface texture on the scenery
    (the demo's frames). Untextured frames are drawn exactly as before it existed, so the game level and
    the diagnosis's stand-ins, and the numbers measured on them, stay as they were."""
    skies = [
        ((70, 130, 220), (180, 215, 250)),
        ((60, 40, 110), (250, 150, 80)),
        ((15, 20, 50), (60, 70, 120)),
    ]
    top, bottom = skies[rng.integers(len(skies))]
    horizon = int(height * rng.uniform(0.38, 0.6))
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    for y in range(horizon):
        draw.line([(0, y), (width, y)], fill=_mix(top, bottom, y / max(1, horizon - 1)))
    sx, sy, sr = rng.integers(0, width), rng.integers(5, max(6, horizon // 2)), rng.integers(8, 22)
    draw.ellipse([sx - sr, sy - sr, sx + sr, sy + sr], fill=_color(rng, (250, 230, 160), 10))
    for layer in range(2):  # far mountains are paler (atmospheric perspective)
        base = _mix((70, 90, 80), bottom, 0.55 - 0.3 * layer)
        xs = np.linspace(0, width, rng.integers(5, 10))
        ys = horizon - rng.uniform(0.1, 0.45 - 0.15 * layer, xs.size) * horizon
        draw.polygon([(0, horizon), *zip(xs.tolist(), ys.tolist(), strict=True), (width, horizon)], fill=base)
    ground = _color(rng, (80, 140, 70), 35)
    draw.rectangle([0, horizon, width, height], fill=ground)
    vanish = width * rng.uniform(0.3, 0.7)
    line_color = _mix(ground, (20, 40, 20), 0.4)
    for i in range(-12, 13):  # perspective grid
        draw.line([(vanish, horizon), (vanish + i * width / 6, height)], fill=line_color, width=1)
    for k in range(1, 9):
        y = horizon + (height - horizon) * (k / 8) ** 2
        draw.line([(0, y), (width, y)], fill=line_color)
    for _ in range(rng.integers(2, 6)):  # buildings: front face, darker side face, lit windows
        w, h = rng.integers(25, 70), rng.integers(30, 110)
        x, base_y = rng.integers(-10, width - 20), horizon + rng.integers(0, max(1, (height - horizon) // 2))
        wall = _color(rng, (170, 150, 130), 60)
        depth = rng.integers(6, 16)
        draw.polygon([(x + w, base_y), (x + w + depth, base_y - depth), (x + w + depth, base_y - h - depth),
                      (x + w, base_y - h)], fill=_mix(wall, (0, 0, 0), 0.4))  # fmt: skip
        draw.polygon([(x, base_y - h), (x + depth, base_y - h - depth), (x + w + depth, base_y - h - depth),
                      (x + w, base_y - h)], fill=_mix(wall, (255, 255, 255), 0.25))  # fmt: skip
        draw.rectangle([x, base_y - h, x + w, base_y], fill=wall)
        lit = _color(rng, (250, 220, 120), 20)
        for wy in range(base_y - h + 6, base_y - 8, 12):
            for wx in range(x + 5, x + w - 6, 10):
                if rng.random() < 0.7:
                    draw.rectangle([wx, wy, wx + 4, wy + 6], fill=lit if rng.random() < 0.5 else (40, 50, 70))
    for _ in range(rng.integers(3, 9)):  # trees
        tx, ty = rng.integers(0, width), horizon + rng.integers(5, max(6, height - horizon))
        s = int(8 + 30 * (ty - horizon) / max(1, height - horizon))
        draw.rectangle([tx - s // 6, ty - s // 2, tx + s // 6, ty], fill=(90, 60, 35))
        draw.polygon(
            [(tx - s // 2, ty - s // 3), (tx, ty - 2 * s), (tx + s // 2, ty - s // 3)],
            fill=_color(rng, (40, 110, 50)),
        )
    if textured:
        image = Image.fromarray(_textured(np.asarray(image), rng))
        draw = ImageDraw.Draw(image)
    cx, cy = int(width * rng.uniform(0.35, 0.65)), int(height * 0.92)
    body = _color(rng, (200, 60, 60), 50)
    draw.rounded_rectangle([cx - 8, cy - 40, cx + 8, cy - 12], radius=6, fill=body)
    draw.ellipse([cx - 7, cy - 54, cx + 7, cy - 40], fill=(240, 200, 170))
    draw.rectangle([cx - 7, cy - 12, cx - 2, cy], fill=(50, 50, 90))
    draw.rectangle([cx + 2, cy - 12, cx + 7, cy], fill=(50, 50, 90))
    hp = rng.uniform(0.2, 1.0)  # HUD: health bar and a score box
    draw.rectangle([8, 8, 108, 16], outline=(255, 255, 255), fill=(40, 40, 40))
    draw.rectangle([9, 9, 9 + int(98 * hp), 15], fill=(220, 40, 40) if hp < 0.35 else (60, 200, 70))
    draw.rectangle([width - 60, 8, width - 8, 20], fill=(20, 20, 20))
    for i in range(4):
        draw.rectangle([width - 55 + 12 * i, 11, width - 47 + 12 * i, 17], fill=(240, 240, 240))
    return np.asarray(image.filter(ImageFilter.SMOOTH), dtype=np.uint8).copy()


def mosaic_style(rng: np.random.Generator, size: int = 256, tile: int = 16, grout: float = 3.0) -> np.ndarray:
    """A mosaic: tesserae of about `tile` px (a Voronoi diagram of a jittered grid) in saturated colours,
    dark grout about `grout` px wide, brush-like streaks. (size, size, 3) uint8."""
    n = size // tile
    grid = (np.stack(np.mgrid[0:n, 0:n], -1).reshape(-1, 2)[:, ::-1] + 0.5) * tile
    points = grid + rng.uniform(-0.35, 0.35, grid.shape) * tile
    palette = np.array([[230, 57, 70], [241, 196, 15], [46, 134, 193], [39, 174, 96], [244, 244, 230],
                        [142, 68, 173], [230, 126, 34], [26, 82, 118]], dtype=np.float32)  # fmt: skip
    colors = palette[rng.integers(len(palette), size=len(points))] + rng.normal(0, 12, (len(points), 3))
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    dist = np.hypot(xx[..., None] - points[:, 0], yy[..., None] - points[:, 1])  # (size, size, cells)
    nearest = np.argsort(dist, axis=-1)[..., :2]
    d0 = np.take_along_axis(dist, nearest[..., :1], -1)[..., 0]
    d1 = np.take_along_axis(dist, nearest[..., 1:2], -1)[..., 0]
    image = colors[nearest[..., 0]]
    streaks = np.sin((xx * np.cos(0.7) + yy * np.sin(0.7)) / 2.5 + rng.uniform(0, 6, (size, size)) * 0.3)
    image *= (0.88 + 0.12 * streaks)[..., None]
    image[(d1 - d0) < grout] = (25, 20, 18)  # d1 - d0 is twice the distance to the cell border
    return np.clip(image, 0, 255).astype(np.uint8)


# The demo's frames: training frames drawn at TRAIN_FRAME_SIZE (training resizes them to its crop size),
# the held-out test frame at TEST_FRAME_SIZE. Objects are drawn in pixels, not in fractions of the frame,
# so a smaller training frame shows them nearer the scale the network meets on the test frame: a network
# that learned on thumbnails blurs the large flat areas it then sees (measured in the demo's tuning).
TRAIN_FRAME_SIZE = (192, 108)
TEST_FRAME_SIZE = (384, 216)


def write_demo_data(
    root: Path, frames: int = 64, seed: int = 0, frame_size: tuple[int, int] = TRAIN_FRAME_SIZE
) -> tuple[Path, Path, Path]:
    """Write `frames` training frames (width, height = `frame_size`) under root/frames, the style image and
    a held-out test frame (TEST_FRAME_SIZE).

    Returns (frames folder, style image, test image).
    """
    rng = np.random.default_rng(seed)
    frame_dir = root / "frames"
    for i in range(frames):
        save_png(frame_dir / f"frame_{i:04d}.png", game_frame(rng, *frame_size, textured=True), compress_level=1)
    style = save_png(root / "style_mosaic.png", mosaic_style(rng))
    test = save_png(root / "test_frame.png", game_frame(rng, *TEST_FRAME_SIZE, textured=True))
    return frame_dir, style, test
