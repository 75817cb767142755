"""`stylebridge bench train`: our trainer against a plain pytorch/examples-style loop.

Both sides train the same TransformerNet on the same generated frames with the same VGG-19 loss
network (seeded random filters, so no download is needed) and the same batch size. Each side runs
in a fresh process, so its peak memory is its own; the first steps of each are warm-up and are not
timed. The baseline is written the way pytorch/examples' neural_style.py writes its loop: a
DataLoader without workers, ImageNet normalisation of cloned batches, VGG features of both the
output and the input at every layer, a Gram target repeated for the batch, `.item()` on each loss.
"""

from __future__ import annotations

import multiprocessing
import resource
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import torch
from torch.nn import functional as F
from torch.utils.data import DataLoader

from pipeline.core.fileio import load_rgb
from pipeline.core.synthetic import write_demo_data
from pipeline.inference.device import resolve_device
from pipeline.models import create_model
from pipeline.training.data import ImageFolderDataset
from pipeline.training.fast import FastTrainConfig, train_fast
from pipeline.training.losses import gram_matrix
from pipeline.training.vgg import STYLE_LAYER_SETS, VGGFeatures, resolve_vgg_weights

SEED = 0


@dataclass(frozen=True)
class BenchSettings:
    data: str
    style: str
    out: str
    preset: str
    steps: int
    warmup: int
    image_size: int
    batch_size: int
    device: str


@dataclass(frozen=True)
class SideResult:
    items_per_second: float  # images or patches
    peak_memory_mb: float  # CUDA: peak allocated; CPU: peak resident set of the process


def peak_memory_mb(device: torch.device) -> float:
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def run_ours(s: BenchSettings) -> SideResult:
    config = FastTrainConfig(
        data=s.data,
        style=s.style,
        out=s.out,
        preset=s.preset,
        image_size=s.image_size,
        batch_size=s.batch_size,
        epochs=10_000,
        max_steps=s.warmup + s.steps,
        style_layers="examples",
        vgg_weights="random",
        checkpoint_every=10**9,
        log_every=10**9,
        seed=SEED,
        device=s.device,
        progress=False,
    )
    result = train_fast(config)
    timed = result.step_ends[-1] - result.step_ends[s.warmup - 1] if s.warmup else result.step_ends[-1]
    return SideResult(s.steps * s.batch_size / timed, peak_memory_mb(resolve_device(s.device)))


def run_plain(s: BenchSettings) -> SideResult:
    """The baseline loop, in pytorch/examples' shape."""
    device = resolve_device(s.device)
    torch.manual_seed(SEED)
    loader = DataLoader(ImageFolderDataset(s.data, s.image_size), batch_size=s.batch_size, shuffle=True)
    transformer = create_model(s.preset, variant="tutorial").to(device).train()
    optimizer = torch.optim.Adam(transformer.parameters(), 1e-3)
    vgg = VGGFeatures(STYLE_LAYER_SETS["examples"], resolve_vgg_weights("random"), seed=SEED).to(device)

    def features(batch: torch.Tensor) -> list[torch.Tensor]:
        # normalize_batch(): divide a clone in place, then ImageNet mean/std (done inside VGGFeatures)
        return list(vgg(batch.clone().div_(255.0)).values())

    style = torch.from_numpy(load_rgb(s.style)).permute(2, 0, 1).float().to(device)
    gram_style = [gram_matrix(y) for y in features(style.repeat(s.batch_size, 1, 1, 1))]
    done, start = 0, 0.0
    while done < s.warmup + s.steps:
        for x, _ in loader:
            if done == s.warmup:
                start = time.perf_counter()
            n_batch = len(x)
            optimizer.zero_grad()
            x = x.float().to(device)
            y = transformer(x)
            features_y = features(y)
            features_x = features(x)
            content_loss = 1e5 * F.mse_loss(features_y[1], features_x[1])
            style_loss = 0.0
            for ft_y, gm_s in zip(features_y, gram_style, strict=True):
                style_loss += F.mse_loss(gram_matrix(ft_y), gm_s[:n_batch, :, :])
            total_loss = content_loss + 1e10 * style_loss
            total_loss.backward()
            optimizer.step()
            content_loss.item(), style_loss.item()  # the original aggregates these every step
            done += 1
            if done == s.warmup + s.steps:
                break
    if device.type == "cuda":
        torch.cuda.synchronize()
    return SideResult(s.steps * s.batch_size / (time.perf_counter() - start), peak_memory_mb(device))


def in_fresh_process(side: Callable[[BenchSettings], SideResult], settings: BenchSettings) -> SideResult:
    # Not multiprocessing.Pool: its workers are daemonic and may not start DataLoader workers.
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(side, settings).result()


def row(label: str, side: SideResult, unit: str = "images") -> str:
    return f"  {label:<28} {side.items_per_second:8.2f} {unit}/s  peak {side.peak_memory_mb:7.0f} MB"


def run_train_benchmark(
    preset: str = "tiny",
    steps: int = 30,
    warmup: int = 3,
    image_size: int = 128,
    batch_size: int = 4,
    device: str = "auto",
) -> str:
    """Run both sides once; return a report with throughput, peak memory and the ratios."""
    with tempfile.TemporaryDirectory(prefix="stylebridge-bench-") as tmp:
        frames, style, _ = write_demo_data(Path(tmp), frames=max(32, batch_size * 8), seed=SEED)
        settings = BenchSettings(
            str(frames), str(style), str(Path(tmp) / "run"), preset, steps, warmup, image_size, batch_size, device
        )
        plain = in_fresh_process(run_plain, settings)
        ours = in_fresh_process(run_ours, settings)
    return "\n".join(
        [
            f"train benchmark: {preset} TransformerNet, {steps} timed steps (+{warmup} warm-up) of "
            f"{batch_size} x {image_size}px, device {resolve_device(device)}",
            row("plain pytorch/examples loop", plain),
            row("stylebridge trainer", ours),
            f"  ratio (ours / plain)         {ours.items_per_second / plain.items_per_second:8.2f}x throughput   "
            f"{ours.peak_memory_mb / plain.peak_memory_mb:6.2f}x peak memory",
        ]
    )
