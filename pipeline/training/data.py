"""Training images: any folder tree of pictures (COCO train2014, captured game frames, both).

Images are resized so the short side is `image_size`, centre-cropped square, and handed out as
uint8 (3, H, W) tensors; conversion to the network's range happens on the training device.
Unreadable files are skipped (the next readable file stands in), never fatal. Each item says which
files it skipped, so the training process (not each loader worker) can report every unreadable
file once, by name.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch.utils.data import Dataset, Sampler

from pipeline.core.errors import SettingsError
from pipeline.core.fileio import ImageReadError, list_images, load_rgb

log = logging.getLogger(__name__)


def resize_center_crop(image: np.ndarray, size: int) -> np.ndarray:
    """Resize (Lanczos) so the short side is `size`, then crop the centre `size` x `size`."""
    h, w = image.shape[:2]
    scale = size / min(h, w)
    new_w, new_h = max(size, round(w * scale)), max(size, round(h * scale))
    resized = np.asarray(Image.fromarray(image).resize((new_w, new_h), Image.Resampling.LANCZOS))
    top, left = (new_h - size) // 2, (new_w - size) // 2
    return resized[top : top + size, left : left + size]


Skipped = tuple[int, int]  # (index of the first file tried, how many unreadable files from it on were skipped)


class ImageFolderDataset(Dataset[tuple[torch.Tensor, Skipped]]):
    """Every image under a folder. Items are (uint8 (3, S, S) tensor, the unreadable files skipped for it)."""

    def __init__(self, root: str | Path, image_size: int) -> None:
        if image_size < 1:  # checked here, not at the first __getitem__, where PIL would fail deep in a worker
            raise SettingsError(f"--image-size must be a positive number of pixels, got {image_size}")
        self.root = Path(root)
        self.paths = list_images(self.root)
        if not self.paths:
            raise FileNotFoundError(f"no images (png, jpg, ...) found under {self.root}")
        self.image_size = image_size

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, Skipped]:
        for skipped in range(len(self.paths)):
            path = self.paths[(index + skipped) % len(self.paths)]
            try:
                image = resize_center_crop(load_rgb(path), self.image_size)
            except ImageReadError as exc:
                log.debug("skipping unreadable training image: %s", exc)
                continue
            return torch.from_numpy(np.ascontiguousarray(image)).permute(2, 0, 1), (index, skipped)
        raise ImageReadError(f"none of the {len(self.paths)} images under {self.root} could be read")

    def skipped_paths(self, first: int, count: int) -> list[Path]:
        """The files an item skipped: `count` unreadable files from index `first` on (wrapping around)."""
        return [self.paths[(first + offset) % len(self.paths)] for offset in range(count)]

    def first_readable(self) -> np.ndarray:
        """The first image that decodes, at full size: the default preview input."""
        for path in self.paths:
            try:
                return load_rgb(path)
            except ImageReadError:
                continue
        raise ImageReadError(f"none of the {len(self.paths)} images under {self.root} could be read")


class EpochSampler(Sampler[int]):
    """A seeded shuffle per epoch, split across distributed ranks, resumable mid-epoch.

    The order depends only on (seed, epoch), so a resumed run sees exactly the batches the
    uninterrupted run would have; every rank gets the same number of whole batches.
    """

    def __init__(self, size: int, batch_size: int, seed: int, rank: int = 0, world_size: int = 1) -> None:
        self.batches_per_epoch = size // (batch_size * world_size)
        if self.batches_per_epoch == 0:
            raise SettingsError(
                f"{size} training images are fewer than one batch of {batch_size} per process "
                f"x {world_size} processes; add images or lower --batch-size"
            )
        self.size, self.batch_size, self.seed = size, batch_size, seed
        self.rank, self.world_size = rank, world_size
        self.epoch, self.start_batch = 0, 0

    def set_position(self, epoch: int, start_batch: int = 0) -> None:
        self.epoch, self.start_batch = epoch, start_batch

    def __iter__(self) -> Iterator[int]:
        generator = torch.Generator().manual_seed(self.seed * 100_003 + self.epoch)
        order = torch.randperm(self.size, generator=generator)
        used = self.batches_per_epoch * self.batch_size * self.world_size
        mine = order[:used][self.rank :: self.world_size]
        return iter(mine[self.start_batch * self.batch_size :].tolist())

    def __len__(self) -> int:
        return (self.batches_per_epoch - self.start_batch) * self.batch_size
