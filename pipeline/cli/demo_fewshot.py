"""`stylebridge demo fewshot`: few-shot video stylization on built-in data, in a few CPU minutes.

It renders a short game-like sequence with a panning camera, "paints" two keyframes with a built-in
deterministic stylization (posterised colours, boosted saturation, ink outlines: no artist needed),
trains `fewshot-small` on patches of them, stylizes every frame, and writes a contact sheet (frames,
the generator's output, the painter's own output), a side-by-side GIF (and MP4 with PyAV), the flicker
metric and the keyframe error. Because the painter is deterministic, the demo can also say how far the
generator is from it on the frames nobody painted. The model is then exported, deployed into a bare
Unity project folder and run through a live bridge like the fast-style demo's.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageOps

from pipeline.cli.demo import choose_vgg_weights
from pipeline.cli.demo_ship import ShipResult, ship
from pipeline.core.fileio import load_rgb, save_png
from pipeline.core.synthetic import game_frame
from pipeline.inference.files import SequenceResult, load_stylizer, stylize_sequence
from pipeline.inference.flicker import FlickerResult, flicker_of_arrays, measure_flicker
from pipeline.inference.video import can_write_mp4, write_video
from pipeline.training.fewshot import FewShotResult, FewShotTrainConfig, train_fewshot

log = logging.getLogger(__name__)

FRAMES = 60
FRAME_SIZE = (128, 96)  # width, height: multiples of 4
PAN = 2  # pixels the camera moves per frame
KEYFRAMES = (0, FRAMES - 1)
TIME_LIMIT = 240.0  # seconds of training


def paint(frame: np.ndarray) -> np.ndarray:
    """The built-in 'artist': flat posterised colours, saturated, with dark ink on the edges. Deterministic."""
    image = Image.fromarray(frame).filter(ImageFilter.ModeFilter(3))
    image = ImageEnhance.Color(ImageOps.posterize(image, 2)).enhance(1.8)
    edges = Image.fromarray(frame).convert("L").filter(ImageFilter.FIND_EDGES).point(lambda v: 255 if v > 40 else 0)
    ink = np.asarray(edges.filter(ImageFilter.MaxFilter(3))) > 0
    painted = np.asarray(image).copy()
    painted[ink] = (painted[ink] * 0.15).astype(np.uint8) + np.array([20, 12, 30], np.uint8)
    return painted


def write_sequence(root: Path, seed: int = 0) -> tuple[Path, Path]:
    """FRAMES frames of a camera panning over one game-like world; the keyframes painted. (frames, keyframes)"""
    width, height = FRAME_SIZE
    world = game_frame(np.random.default_rng(seed), width + PAN * (FRAMES - 1), height)
    for i in range(FRAMES):
        view = np.ascontiguousarray(world[:, i * PAN : i * PAN + width])
        save_png(root / "frames" / f"{i:04d}.png", view, 1)
        if i in KEYFRAMES:
            save_png(root / "keyframes" / f"{i:04d}.png", paint(view), 1)
    return root / "frames", root / "keyframes"


@dataclass
class FewShotDemoResult:
    folder: Path
    train: FewShotResult
    stylized: SequenceResult
    flicker: FlickerResult  # the generator's output
    painter_flicker: FlickerResult  # the painter applied to every frame on its own
    unpainted_l1: float  # generator vs painter on the frames nobody painted, 8-bit levels
    sheet: Path
    side_by_side: list[Path]
    shipped: ShipResult
    seconds: float


def run_fewshot_demo(
    out: str | Path = "stylebridge-demo/fewshot",
    time_limit: float = TIME_LIMIT,
    vgg_weights: str | None = None,
    device: str = "auto",
    seed: int = 0,
    progress: bool = True,
) -> FewShotDemoResult:
    start = time.perf_counter()
    folder = Path(out)
    frames, keyframes = write_sequence(folder / "data", seed)
    log.info("rendered %d frames to %s and painted keyframes %s", FRAMES, frames, keyframes)
    config = FewShotTrainConfig(
        keyframes=str(keyframes),
        frames=str(frames),
        out=str(folder / "run"),
        preset="fewshot-small",
        batch_size=8,  # many small steps learn a flat painted look sooner on a CPU than few large ones
        lr=2e-3,
        max_steps=5000,
        time_limit=time_limit,
        holdout="none",  # two keyframes, both needed: stop on the training loss instead
        eval_every=100,
        checkpoint_every=200,
        log_every=25,
        vgg_weights=choose_vgg_weights(vgg_weights),
        device=device,
        seed=seed,
        progress=progress,
    )
    trained = train_fewshot(config)
    stylizer = load_stylizer(trained.final_checkpoint, device)
    stylized = stylize_sequence(stylizer, frames, folder / "stylized", resume=False, progress=progress)
    log.info("stylized %d frames at %.1f fps", stylized.stylized, stylized.frames_per_second)
    flicker = measure_flicker(folder / "stylized", frames)
    sources = [load_rgb(p) for p in sorted(frames.iterdir())]
    painted = [paint(frame) for frame in sources]
    outputs = [load_rgb(p) for p in stylized.outputs]
    painter_flicker = flicker_of_arrays(painted, sources)
    unpainted = [i for i in range(FRAMES) if i not in KEYFRAMES]
    unpainted_l1 = float(np.mean([np.abs(outputs[i].astype(int) - painted[i]).mean() for i in unpainted]))
    sheet = save_png(folder / "fewshot_sheet.png", contact_sheet(sources, outputs, painted))
    pairs = [np.concatenate([a, b], axis=1) for a, b in zip(sources, outputs, strict=True)]
    side_by_side = [write_video(folder / "side_by_side.gif", pairs, fps=15)]
    if can_write_mp4():
        side_by_side.append(write_video(folder / "side_by_side.mp4", pairs, fps=15))
    shipped = ship(trained.final_checkpoint, sources[FRAMES // 2], folder, device)
    return FewShotDemoResult(
        folder, trained, stylized, flicker, painter_flicker, unpainted_l1, sheet, side_by_side, shipped,
        time.perf_counter() - start,
    )  # fmt: skip


def contact_sheet(sources: list[np.ndarray], outputs: list[np.ndarray], painted: list[np.ndarray]) -> np.ndarray:
    """Rows: frames, the generator's output, the painter's; columns: five frames across the sequence."""
    columns = np.linspace(0, len(sources) - 1, 5).round().astype(int)
    rows = []
    for label, images in (("frame", sources), ("few-shot", outputs), ("painter", painted)):
        tiles = []
        for i in columns:
            tile = Image.fromarray(images[i]).resize((FRAME_SIZE[0] * 2, FRAME_SIZE[1] * 2), Image.Resampling.NEAREST)
            mark = " (keyframe)" if i in KEYFRAMES else ""
            ImageDraw.Draw(tile).text((4, 4), f"{label} {i}{mark}", fill=(255, 255, 255))
            tiles.append(np.asarray(tile))
        rows.append(np.concatenate(tiles, axis=1))
    return np.concatenate(rows, axis=0)


def summary(result: FewShotDemoResult) -> str:
    train = result.train
    before, after = train.keyframe_l1_before, train.keyframe_l1_after
    errors = ", ".join(f"{name} {before[name]:.1f} -> {after[name]:.1f}" for name in after)
    stop = f" (stopped: {train.stop_reason})" if train.stop_reason else ""
    return (
        f"\nstylebridge few-shot demo finished in {result.folder}/ in {result.seconds:.0f} s\n"
        f"  trained          {train.steps} steps{stop}, {train.items_per_second:.0f} patches/s\n"
        f"  checkpoint       {train.final_checkpoint}\n"
        f"  keyframe L1      {errors} (8-bit levels, before -> after training)\n"
        f"  unpainted frames {result.unpainted_l1:.1f} levels from the painter (frames nobody painted)\n"
        f"  stylized         {result.stylized.stylized} frames at {result.stylized.frames_per_second:.1f} fps\n"
        f"  flicker          {result.flicker.describe()}\n"
        f"  painter flicker  {result.painter_flicker.flicker:.3f} levels (the painter run on each frame alone)\n"
        f"  contact sheet    {result.sheet}\n"
        f"  side by side     {', '.join(str(p) for p in result.side_by_side)}\n"
        f"{result.shipped.describe()}"
    )
