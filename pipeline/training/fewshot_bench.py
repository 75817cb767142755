"""`stylebridge bench train --trainer fewshot`: our few-shot trainer against the authors' way of writing it.

Both sides train the same generator and PatchGAN with the same losses (L1, VGG-19 feature MSE with
seeded random filters, LSGAN), the same Adam settings and batch of patches, on the same two painted
keyframes of a generated sequence. Each runs in a fresh process (peak memory is its own); the first
steps are warm-up. Sides alternate over `rounds` rounds (plain first, then ours first, ...) and each
keeps its best round, so a burst of load from other work on the machine does not decide the ratio.
The baseline is written the way the authors' trainers.py and data.py write it:
a Dataset cutting each patch in Python (zero-padded to the top-left at the edges) behind a
DataLoader with one worker, shuffle off; the generator run twice per step (once for the discriminator
step, once for its own); the discriminator's weight gradients computed in the generator's step too;
`.item()` on every loss every step. Ours cuts all patches on the device in one indexing operation,
runs the generator once per step and freezes the discriminator for the generator's step.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional as F
from torch.utils.data import DataLoader, Dataset

from pipeline.core.fileio import save_png
from pipeline.core.synthetic import game_frame
from pipeline.inference.device import resolve_device
from pipeline.models import create_model
from pipeline.models.patchgan import PatchDiscriminator
from pipeline.training.bench import SideResult, in_fresh_process, peak_memory_mb, row
from pipeline.training.fewshot import FewShotTrainConfig, train_fewshot
from pipeline.training.fewshot_data import Keyframe, resolve_layout
from pipeline.training.fewshot_losses import FeatureMSE
from pipeline.training.vgg import resolve_vgg_weights

SEED = 0


@dataclass(frozen=True)
class FewShotBenchSettings:
    keyframes: str
    frames: str
    out: str
    preset: str
    steps: int
    warmup: int
    patch_size: int
    batch_size: int
    device: str


def run_ours(s: FewShotBenchSettings) -> SideResult:
    config = FewShotTrainConfig(
        keyframes=s.keyframes,
        frames=s.frames,
        out=s.out,
        preset=s.preset,
        patch_size=s.patch_size,
        batch_size=s.batch_size,
        max_steps=s.warmup + s.steps,
        holdout="none",
        patience=0,
        eval_every=10**9,
        checkpoint_every=10**9,
        log_every=10**9,
        vgg_weights="random",
        seed=SEED,
        device=s.device,
        progress=False,
    )
    result = train_fewshot(config)
    timed = result.step_ends[-1] - result.step_ends[s.warmup - 1] if s.warmup else result.step_ends[-1]
    return SideResult(s.steps * s.batch_size / timed, peak_memory_mb(resolve_device(s.device)))


class AuthorsPatches(Dataset[dict[str, torch.Tensor]]):
    """Patches as the authors' DatasetPatches_M cuts them: one item at a time, in Python."""

    def __init__(self, keyframes: list[Keyframe], size: int) -> None:
        self.keyframes, self.size = keyframes, size
        self.valid = [k.centres for k in keyframes]

    def __len__(self) -> int:
        return sum(len(v) // 2 for v in self.valid) * 5

    def cut(self, image: torch.Tensor, centre: int, width: int) -> torch.Tensor:
        y, x, half = centre // width, centre % width, self.size // 2
        top, left = max(0, y - half), max(0, x - half)
        patch = image[:, top : min(y + half, image.shape[1]), left : min(x + half, image.shape[2])]
        if patch.shape[1:] != (self.size, self.size):
            padded = torch.zeros((image.shape[0], self.size, self.size))
            padded[:, : patch.shape[1], : patch.shape[2]] = patch
            patch = padded
        return patch

    def __getitem__(self, item: int) -> dict[str, torch.Tensor]:
        index = item % len(self.keyframes)
        keyframe, valid = self.keyframes[index], self.valid[index]
        width = keyframe.source.shape[2]
        centre, other = (int(valid[np.random.randint(0, len(valid))]) for _ in range(2))
        return {
            "pre": self.cut(keyframe.source, centre, width),
            "post": self.cut(keyframe.target, centre, width),
            "already": self.cut(keyframe.target, other, width),
        }


def run_plain(s: FewShotBenchSettings) -> SideResult:
    """The baseline loop, in the authors' shape."""
    device = resolve_device(s.device)
    torch.manual_seed(SEED)
    np.random.seed(SEED)
    keyframes = [Keyframe.load(files) for files in resolve_layout(s.keyframes, s.frames).keyframes]
    loader = DataLoader(AuthorsPatches(keyframes, s.patch_size), s.batch_size, shuffle=False, num_workers=1,
                        drop_last=True)  # fmt: skip
    generator = create_model(s.preset).to(device).train()
    discriminator = PatchDiscriminator().to(device).train()
    settings = {"lr": 4e-4, "betas": (0.9, 0.999), "weight_decay": 1e-5}
    opt_generator = torch.optim.Adam(generator.parameters(), **settings)
    opt_discriminator = torch.optim.Adam(discriminator.parameters(), **settings)
    perceptual = FeatureMSE(resolve_vgg_weights("random", seed=SEED), seed=SEED).to(device)
    done, start = 0, 0.0
    while done < s.warmup + s.steps:
        for batch in loader:
            if done == s.warmup:
                start = time.perf_counter()
            batch = {k: v.to(device) for k, v in batch.items()}
            opt_discriminator.zero_grad()
            fake_labels = discriminator(generator(batch["pre"]).detach())
            true_labels = discriminator(batch["already"])
            discriminator_loss = F.mse_loss(fake_labels, torch.zeros_like(fake_labels)) + F.mse_loss(
                true_labels, torch.ones_like(true_labels)
            )
            discriminator_loss.backward()
            opt_discriminator.step()
            opt_generator.zero_grad()
            generated = generator(batch["pre"])
            image_loss = F.l1_loss(generated, batch["post"])
            perception_loss = ((perceptual.features(generated) - perceptual.features(batch["post"])) ** 2).mean()
            labels = discriminator(generated)
            adversarial_loss = F.mse_loss(labels, torch.ones_like(labels))
            generator_loss = 4.0 * image_loss + 6.0 * perception_loss + 0.5 * adversarial_loss
            generator_loss.backward()
            opt_generator.step()
            for loss in (discriminator_loss, image_loss, perception_loss, adversarial_loss, generator_loss):
                loss.item()  # the authors log every loss of every step
            done += 1
            if done == s.warmup + s.steps:
                break
    if device.type == "cuda":
        torch.cuda.synchronize()
    return SideResult(s.steps * s.batch_size / (time.perf_counter() - start), peak_memory_mb(device))


def write_bench_sequence(root: Path, size: tuple[int, int] = (256, 144)) -> tuple[Path, Path]:
    """Ten frames panning over a game-like strip, two of them 'painted' (inverted): (keyframes, frames)."""
    width, height = size
    world = game_frame(np.random.default_rng(SEED), width + 90, height)
    for i in range(10):
        view = np.ascontiguousarray(world[:, i * 10 : i * 10 + width])
        save_png(root / "frames" / f"{i:04d}.png", view, 1)
        if i in (0, 9):
            save_png(root / "keyframes" / f"{i:04d}.png", 255 - view, 1)
    return root / "keyframes", root / "frames"


def run_fewshot_benchmark(
    preset: str = "fewshot-small",
    steps: int = 20,
    warmup: int = 3,
    patch_size: int = 32,
    batch_size: int = 40,
    device: str = "auto",
    rounds: int = 2,
) -> str:
    """Run both sides `rounds` times, alternating; return a report with each side's best patches/s, its peak
    memory and the ratios."""
    with tempfile.TemporaryDirectory(prefix="stylebridge-bench-") as tmp:
        keyframes, frames = write_bench_sequence(Path(tmp))
        settings = FewShotBenchSettings(
            str(keyframes), str(frames), str(Path(tmp) / "run"), preset, steps, warmup, patch_size, batch_size, device
        )
        results: dict[str, list[SideResult]] = {"plain": [], "ours": []}
        for round_index in range(max(1, rounds)):
            order = [("plain", run_plain), ("ours", run_ours)]
            for name, side in order if round_index % 2 == 0 else order[::-1]:
                results[name].append(in_fresh_process(side, settings))
    plain, ours = (max(results[name], key=lambda r: r.items_per_second) for name in ("plain", "ours"))
    return "\n".join(
        [
            f"train benchmark: {preset} few-shot generator + PatchGAN, {steps} timed steps (+{warmup} warm-up) of "
            f"{batch_size} x {patch_size}px patches, device {resolve_device(device)}, best of {max(1, rounds)} "
            "alternating rounds per side",
            row("plain loop, the authors' way", plain, "patches"),
            row("stylebridge trainer", ours, "patches"),
            f"  ratio (ours / plain)         {ours.items_per_second / plain.items_per_second:8.2f}x throughput   "
            f"{ours.peak_memory_mb / plain.peak_memory_mb:6.2f}x peak memory",
        ]
    )
