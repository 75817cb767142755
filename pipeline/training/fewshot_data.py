"""Few-shot training data: which files are frames, keyframes, masks and guides, and patches cut from them.

Two folder layouts are read (README, "Train on painted keyframes"):

* stylebridge's: `--frames DIR` holds every frame of the sequence; `--keyframes DIR` the painted
  keyframes, each named like the frame it was painted over (`0040.png` paints `frames/0040.png`);
  `--masks DIR` optional masks, also named like their frame (white = the painting is valid there;
  no mask = the whole frame); `--guides DIR` optional guide images per frame (more input channels).
* the few-shot authors' (Texler et al.), unchanged: `--keyframes SEQ_train` holding `input_filtered/`
  (or `input/`), `output/` and optionally `mask/`; frames default to `SEQ_gen/input_filtered` (or
  `input/`); guides are named by their sub-folder, found in both `SEQ_train/` and `SEQ_gen/`.

Patches follow the paper: a mask is thresholded at 128 and eroded by a 7x7 box (outside the frame
counts as masked out, as in the authors' zero-padded erosion), and the surviving pixels are the allowed
patch centres. A patch reaching past the frame's edge is padded with zeros (mid-grey in [-1, 1]) in every
channel, guides included, and stays centred: the authors' code padded only 3 channels and shifted such
patches to the top-left. Patches are cut on the training device in one indexing operation per
keyframe, from a generator seeded by (seed, step), so a resumed run draws the same patches.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional as F

from pipeline.core.errors import SettingsError
from pipeline.core.fileio import list_images, load_rgb
from pipeline.inference.files import list_sequence

ORIGINAL_INPUTS = ("input_filtered", "input")  # the authors' P config reads input_filtered/, F reads input/
SIZE_MULTIPLE = 4  # the generator halves frames twice and concatenates skips


class FewShotDataError(SettingsError):
    """The folders do not form a few-shot training set; the message names the file and the fix."""


@dataclass(frozen=True)
class KeyframeFiles:
    name: str  # the frame's stem
    source: Path  # the unpainted frame
    target: Path  # the artist's painting of it
    mask: Path | None  # white = valid; None = the whole frame
    guides: tuple[Path, ...] = ()


@dataclass(frozen=True)
class FewShotLayout:
    frames: tuple[Path, ...]  # the whole sequence, in order
    keyframes: tuple[KeyframeFiles, ...]  # in sequence order
    frame_guides: tuple[Path, ...] = ()  # folders of per-frame guide images, named like the frames
    original: bool = False  # the authors' SEQ_train / SEQ_gen layout

    def frame_index(self, name: str) -> int:
        return [p.stem for p in self.frames].index(name)

    def guide_paths(self, frame: Path) -> tuple[Path, ...]:
        """The guide images of one frame of the sequence, one per guide folder."""
        return tuple(found.get(frame.stem) or _missing(folder, frame.stem) for folder, found in self._guide_files)

    @cached_property
    def _guide_files(self) -> list[tuple[Path, dict[str, Path]]]:
        return [(folder, _by_stem(folder, f"guide folder {folder}")) for folder in self.frame_guides]


def resolve_layout(
    keyframes: str | Path, frames: str | Path | None = None, masks: str | Path | None = None, guides: Sequence[str] = ()
) -> FewShotLayout:
    """Find every file of a few-shot training set, in either layout; raise FewShotDataError on a gap."""
    keyframe_dir = Path(keyframes)
    if not keyframe_dir.is_dir():
        raise FewShotDataError(f"--keyframes {keyframe_dir} is not a folder")
    if (keyframe_dir / "output").is_dir() and any((keyframe_dir / name).is_dir() for name in ORIGINAL_INPUTS):
        return _original_layout(keyframe_dir, frames, masks, guides)
    if frames is None:
        raise FewShotDataError(
            "--frames DIR (every frame of the sequence) is needed beside --keyframes, unless --keyframes is the "
            "few-shot authors' SEQ_train folder (with input_filtered/ or input/, and output/)"
        )
    frame_dir = Path(frames)
    frame_paths = tuple(list_sequence(frame_dir))
    by_name = {p.stem: p for p in frame_paths}
    guide_dirs = tuple(Path(g) for g in guides)
    painted = _by_stem(keyframe_dir, "--keyframes")
    found = []
    for name, target in painted.items():
        if name not in by_name:
            raise FewShotDataError(
                f"keyframe {target} has no frame of the same name in {frame_dir} (frames are named like "
                f"{', '.join(sorted(by_name)[:3])}, ...): name each painted keyframe after the frame it paints"
            )
        guide_paths = tuple(_by_stem(g, f"--guides {g}").get(name) or _missing(g, name) for g in guide_dirs)
        found.append(KeyframeFiles(name, by_name[name], target, mask_for(masks, name), guide_paths))
    order = {p.stem: i for i, p in enumerate(frame_paths)}
    found.sort(key=lambda k: order[k.name])
    return FewShotLayout(frame_paths, tuple(found), guide_dirs)


def _original_layout(
    train_dir: Path, frames: str | Path | None, masks: str | Path | None, guides: Sequence[str]
) -> FewShotLayout:
    inputs = next(train_dir / name for name in ORIGINAL_INPUTS if (train_dir / name).is_dir())
    gen_dir = train_dir.with_name(train_dir.name.replace("_train", "_gen"))
    if frames is None:
        candidates = [gen_dir / name for name in (inputs.name, *ORIGINAL_INPUTS) if (gen_dir / name).is_dir()]
        if gen_dir == train_dir or not candidates:
            raise FewShotDataError(
                f"{train_dir} is laid out like the few-shot authors' SEQ_train folder, but {gen_dir}/{inputs.name} "
                "(every frame of the sequence) is not there; pass --frames DIR"
            )
        frames = candidates[0]
    frame_paths = tuple(list_sequence(frames))
    sources = _by_stem(inputs, str(inputs))
    mask_dir = Path(masks) if masks else (train_dir / "mask" if (train_dir / "mask").is_dir() else None)
    found = []
    for name, target in _by_stem(train_dir / "output", str(train_dir / "output")).items():
        if name not in sources:
            raise FewShotDataError(f"keyframe {target} has no unpainted frame of the same name in {inputs}")
        guide_paths = tuple(_by_stem(train_dir / g, str(train_dir / g)).get(name) or _missing(train_dir / g, name)
                            for g in guides)  # fmt: skip
        found.append(KeyframeFiles(name, sources[name], target, mask_for(mask_dir, name), guide_paths))
    order = {p.stem: i for i, p in enumerate(frame_paths)}
    found.sort(key=lambda k: (order.get(k.name, len(order)), k.name))
    guide_dirs = tuple(Path(frames).parent / g for g in guides)
    return FewShotLayout(frame_paths, tuple(found), guide_dirs, original=True)


def _by_stem(folder: str | Path, what: str) -> dict[str, Path]:
    folder = Path(folder)
    if not folder.is_dir():
        raise FewShotDataError(f"{what}: {folder} is not a folder")
    images = [p for p in list_images(folder) if p.parent == folder]
    if not images:
        raise FewShotDataError(f"{what}: no images (png, jpg, ...) in {folder}")
    return {p.stem: p for p in images}


def _missing(folder: Path, name: str) -> Path:
    raise FewShotDataError(f"guide folder {folder} has no image named {name} (every frame needs its guide image)")


def mask_for(masks: str | Path | None, name: str) -> Path | None:
    """The mask of the frame named `name` in the folder `masks` (None: no folder, or no mask for it)."""
    return None if masks is None else _by_stem(masks, f"--masks {masks}").get(name)


# -- pixels -------------------------------------------------------------------------------------------


def to_signed(image: np.ndarray) -> torch.Tensor:
    """uint8 (H, W, 3) -> float (3, H, W) in [-1, 1], the generator's range."""
    return torch.from_numpy(np.ascontiguousarray(image)).permute(2, 0, 1).float().div_(127.5).sub_(1.0)


def load_input(source: Path, guides: Sequence[Path]) -> torch.Tensor:
    """A frame and its guide images as one (3 + 3 x guides, H, W) tensor in [-1, 1]; sizes must agree."""
    images = [load_rgb(source)]
    for guide in guides:
        images.append(load_rgb(guide))
        _same_size(source, images[0], guide, images[-1])
    return torch.cat([to_signed(image) for image in images])


def _same_size(a: Path, image_a: np.ndarray, b: Path, image_b: np.ndarray) -> None:
    if image_a.shape[:2] != image_b.shape[:2]:
        raise FewShotDataError(
            f"{b} is {image_b.shape[1]}x{image_b.shape[0]} but {a} is {image_a.shape[1]}x{image_a.shape[0]} "
            "(WxH); a keyframe, its frame, its mask and its guides must be the same size"
        )


def check_frame_size(path: Path, height: int, width: int) -> None:
    if height % SIZE_MULTIPLE or width % SIZE_MULTIPLE:
        raise FewShotDataError(
            f"{path} is {width}x{height} (WxH); the few-shot generator needs sizes that are multiples of "
            f"{SIZE_MULTIPLE}: crop or resize the frames and keyframes to "
            f"{width - width % SIZE_MULTIPLE}x{height - height % SIZE_MULTIPLE}"
        )


@dataclass
class Keyframe:
    """One keyframe in memory: its input (frame + guides) and painting in [-1, 1], and its mask."""

    name: str
    source: torch.Tensor  # (C, H, W)
    target: torch.Tensor  # (3, H, W)
    mask: torch.Tensor  # (H, W) bool, as painted (not eroded)
    centres: torch.Tensor = field(init=False)  # (n,) flat indices y * W + x of allowed patch centres
    erosion: int = 7

    def __post_init__(self) -> None:
        self.centres = allowed_centres(self.mask, self.erosion).flatten().nonzero().flatten()

    @classmethod
    def load(cls, files: KeyframeFiles, erosion: int = 7) -> Keyframe:
        source = load_rgb(files.source)
        target = load_rgb(files.target)
        _same_size(files.source, source, files.target, target)
        check_frame_size(files.source, *source.shape[:2])
        if files.mask is None:
            mask = torch.ones(source.shape[:2], dtype=torch.bool)
        else:
            mask_pixels = load_rgb(files.mask)
            _same_size(files.source, source, files.mask, mask_pixels)
            mask = torch.from_numpy(mask_pixels.mean(axis=2) > 128)
        keyframe = cls(files.name, load_input(files.source, files.guides), to_signed(target), mask, erosion)
        if keyframe.centres.numel() == 0:
            raise FewShotDataError(
                f"the mask {files.mask} leaves no patch centre after erosion by a {erosion}x{erosion} box: paint "
                "the valid area white, and make it wider than a few pixels"
            )
        return keyframe


def allowed_centres(mask: torch.Tensor, erosion: int = 7) -> torch.Tensor:
    """(H, W) bool mask -> (H, W) bool: pixels whose erosion x erosion box lies inside the mask and the frame."""
    half = erosion // 2
    outside = (~mask).float()[None, None]
    outside = F.pad(outside, (half, half, half, half), value=1.0)  # beyond the frame counts as masked out
    return F.max_pool2d(outside, erosion, stride=1)[0, 0] == 0


class PatchSampler:
    """Random training patches from keyframes held on the training device.

    Each batch element takes the next keyframe in turn (every painting gets an equal share, as in
    the authors' dataset), a random allowed centre for the input/painting pair and another for the
    "real" patch the discriminator sees. Patches are `size` x `size` and centred on their centre.
    """

    def __init__(self, keyframes: Sequence[Keyframe], size: int, device: torch.device, seed: int) -> None:
        if not keyframes:
            raise FewShotDataError("no keyframes to train on")
        self.size, self.seed, self.device = size, seed, device
        half = size // 2
        pad = (half, size - half, half, size - half)
        self.sources = [F.pad(k.source, pad).to(device) for k in keyframes]
        self.targets = [F.pad(k.target, pad).to(device) for k in keyframes]
        self.centres = [k.centres.to(device) for k in keyframes]
        self.widths = [int(k.source.shape[2]) for k in keyframes]
        self.offsets = torch.arange(size, device=device)

    def sample(self, step: int, batch_size: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(input patches (B, C, S, S), painted patches (B, 3, S, S), real patches (B, 3, S, S)) for `step`."""
        generator = torch.Generator().manual_seed(self.seed * 1_000_003 + step)
        count = len(self.sources)
        owner = (torch.arange(batch_size) + step * batch_size) % count
        picks = torch.rand(2, batch_size, generator=generator)
        sources, targets, reals, order = [], [], [], []
        for k in range(count):
            rows = (owner == k).nonzero().flatten()
            if rows.numel() == 0:
                continue
            centres = self.centres[k]
            chosen = (picks[:, rows] * centres.numel()).long().clamp_(max=centres.numel() - 1).to(self.device)
            pair, real = centres[chosen[0]], centres[chosen[1]]
            sources.append(self._cut(self.sources[k], pair, self.widths[k]))
            targets.append(self._cut(self.targets[k], pair, self.widths[k]))
            reals.append(self._cut(self.targets[k], real, self.widths[k]))
            order.append(rows)
        back = torch.argsort(torch.cat(order)).to(self.device)  # batch elements back in their drawn order
        return torch.cat(sources)[back], torch.cat(targets)[back], torch.cat(reals)[back]

    def _cut(self, padded: torch.Tensor, centres: torch.Tensor, width: int) -> torch.Tensor:
        """Patches whose centre pixel (y, x) sits at (size // 2, size // 2); padded holds the frame offset
        by size // 2, so the patch's top-left in it is (y, x)."""
        ys, xs = centres // width, centres % width
        rows = (ys[:, None] + self.offsets)[:, :, None]  # (n, S, 1)
        cols = (xs[:, None] + self.offsets)[:, None, :]  # (n, 1, S)
        return padded[:, rows, cols].permute(1, 0, 2, 3)  # (C, n, S, S) -> (n, C, S, S)
