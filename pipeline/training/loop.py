"""The training loop every trainer shares, written once and read top to bottom.

A trainer (the fast-style trainer in `fast.py`, and any later one) says *what* is trained: it builds
its network, optimizers, data and losses, and defines one optimisation step. `run_training` owns
*how*: the device, mixed precision and channels_last on CUDA, data-parallel runs under torchrun,
resuming (network, optimizer state, step, loss history), the loss history and log lines, the
progress bar, checkpoints in the self-describing format with a preview PNG beside each, NaN
detection, a checkpoint on Ctrl-C, and throughput. Only rank 0 writes files.

The loop, per step: take the trainer's next batch, call `trainer.train_step` (forward, losses,
`run.optimize` for each optimizer), count, update the bar, every `log_every` steps average the
losses into the history, every `checkpoint_every` steps write a checkpoint; at the end write
`final.pt`, `final.png` and `history.json`. A run also ends, the same way, when `time_limit` has
passed or the trainer's `stop_reason` gives one (early stopping); `TrainResult.stop_reason` says why.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import signal
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.nn.parallel import DistributedDataParallel
from tqdm import tqdm
from tqdm.contrib.logging import logging_redirect_tqdm

from pipeline.core.errors import StylebridgeError
from pipeline.core.fileio import atomic_write_text, save_png
from pipeline.models import StyleNet
from pipeline.models.checkpoint import Checkpoint, save_checkpoint
from pipeline.training import distributed

log = logging.getLogger(__name__)


class TrainingDivergedError(StylebridgeError, FloatingPointError):
    """A loss became NaN or infinite; the message names the settings that make training stable."""


@dataclass(frozen=True)
class LoopSettings:
    """How long a run lasts and how often it writes; where it runs."""

    out: Path  # run folder: checkpoints/, previews, final.pt, history.json
    checkpoint_every: int
    log_every: int
    seed: int
    device: torch.device  # as asked for; a torchrun process on a GPU machine takes the GPU of its LOCAL_RANK
    amp: bool = True  # mixed precision (CUDA only)
    channels_last: bool = True  # NHWC memory format (CUDA only)
    progress: bool = True
    time_limit: float | None = None  # seconds of training in this process; then stop as if the steps were done


class Run:
    """What the loop gives a trainer: where to put tensors and how to take an optimizer step."""

    def __init__(self, device: torch.device, dist_info: distributed.DistInfo, amp: bool, channels_last: bool) -> None:
        cuda = device.type == "cuda"
        self.device = device
        self.dist = dist_info
        self.use_amp = amp and cuda
        self.memory_format = torch.channels_last if (channels_last and cuda) else torch.contiguous_format
        self.scaler = torch.amp.GradScaler("cuda", enabled=self.use_amp)

    def autocast(self) -> contextlib.AbstractContextManager[None]:
        """fp16 autocast on CUDA when AMP is on; a no-op otherwise."""
        return torch.autocast(self.device.type, dtype=torch.float16, enabled=self.use_amp)

    def place(self, module: torch.nn.Module) -> torch.nn.Module:
        """Move a module to the training device and memory format."""
        return module.to(self.device, memory_format=self.memory_format)

    def parallel(self, module: torch.nn.Module) -> torch.nn.Module:
        """The module to run forward passes through: DDP-wrapped in a data-parallel run, else itself."""
        if not self.dist.enabled:
            return module
        return DistributedDataParallel(module, device_ids=[self.device.index] if self.device.type == "cuda" else None)

    def optimize(self, loss: torch.Tensor, optimizer: torch.optim.Optimizer) -> None:
        """zero_grad, (scaled) backward, step: one optimizer's step on one loss."""
        optimizer.zero_grad(set_to_none=True)
        self.scaler.scale(loss).backward()
        self.scaler.step(optimizer)


class Trainer(ABC):
    """What one kind of training plugs into the loop."""

    item_name = "image"  # what one batch element is, for throughput ("image", "patch")
    divergence_hint = "lower --lr"  # what to change when a loss becomes NaN

    @abstractmethod
    def setup(self, run: Run, resumed: Checkpoint | None) -> StyleNet:
        """Build the network (from `resumed` when resuming: weights and optimizer state), optimizers,
        data and losses on `run.device`; return the network that checkpoints hold."""

    @abstractmethod
    def total_steps(self) -> int:
        """Optimizer steps in all, counting those of a resumed run (known once `setup` has run)."""

    @abstractmethod
    def batches(self, step: int) -> Iterator[Any]:
        """Batches from the one that step `step` + 1 trains on, without end (the loop stops)."""

    @abstractmethod
    def train_step(self, batch: Any, run: Run) -> dict[str, torch.Tensor]:
        """One optimisation step (`run.optimize` for each optimizer); returns the named losses it logged."""

    @abstractmethod
    def batch_size(self, batch: Any) -> int:
        """How many items (images, patches) `batch` holds on this process."""

    @abstractmethod
    def checkpoint_fields(self, step: int) -> dict[str, Any]:
        """What a checkpoint at `step` holds beyond weights, step and history: preset, epoch, optimizer,
        train_config (keyword arguments of `Checkpoint.from_model`)."""

    @abstractmethod
    def preview(self) -> np.ndarray:
        """The preview image written beside each checkpoint (the network may be left in eval mode)."""

    @abstractmethod
    def describe(self, total_steps: int, world_size: int) -> str:
        """One log line saying what will run."""

    @abstractmethod
    def resume_command(self, checkpoint: Path) -> str:
        """The command that continues this run from `checkpoint` (printed after Ctrl-C)."""

    @abstractmethod
    def finish(self) -> None:
        """Called on rank 0 after the final checkpoint: report what the run's log should end with."""

    def stop_reason(self, step: int) -> str | None:
        """Called after every step: why the run should end now (early stopping), or None to go on."""
        return None

    def progress_fields(self) -> dict[str, str]:
        """What the progress bar shows beside the losses (the latest validation scores), name -> text."""
        return {}


@dataclass
class TrainResult:
    model: StyleNet  # the trained network (on the training device, eval mode)
    final_checkpoint: Path  # written by rank 0 only
    preview: Path
    steps: int
    history: list[dict[str, float]] = field(default_factory=list)
    items_per_second: float = 0.0  # images or patches, over all processes
    step_ends: list[float] = field(default_factory=list)  # seconds since the loop began, per step
    stop_reason: str | None = None  # why the run ended before its last step (time limit, early stop)


def run_training(trainer: Trainer, settings: LoopSettings, resumed: Checkpoint | None = None) -> TrainResult:
    """Train with `trainer` until `settingtotal_steps`; resumes `resumed`'s step and history."""
    dist_info = distributed.init_distributed(settings.device)
    try:
        device = distributed.training_device(settings.device, dist_info)
        torch.manual_seed(settings.seed)
        run = Run(device, dist_info, settings.amp, settings.channels_last)
        model = trainer.setup(run, resumed)
        step, history = (resumed.step, list(resumed.history)) if resumed is not None else (0, [])
        return _loop(trainer, settings, run, model, step, history)
    finally:
        distributed.shutdown(dist_info)


def _loop(
    trainer: Trainer, s: LoopSettings, run: Run, model: StyleNet, step: int, history: list[dict[str, float]]
) -> TrainResult:
    main = run.dist.is_main
    checkpoints = s.out / "checkpoints"
    total_steps = trainer.total_steps()

    def write_checkpoint(path: Path) -> Path:
        checkpoint = Checkpoint.from_model(model, step=step, history=history, **trainer.checkpoint_fields(step))
        save_checkpoint(path, checkpoint)
        preview = save_png(path.with_suffix(".png"), trainer.preview())
        model.train()
        log.info("step %d: wrote %s and %s", step, path, preview)
        return preview

    if main:
        s.out.mkdir(parents=True, exist_ok=True)
        log.info("%s", trainer.describe(total_steps, run.dist.world_size))
        log.info("%s", _checkpoint_plan(s, step, total_steps))
    running: dict[str, float] = {}  # loss sums since the last history entry
    running_count, items, start, step_ends = 0, 0, time.perf_counter(), []
    stop_reason: str | None = None
    # Only a run that can stop early pays for the per-step agreement between data-parallel processes.
    may_stop = s.time_limit is not None or type(trainer).stop_reason is not Trainer.stop_reason
    bar = tqdm(total=total_steps, initial=step, unit="step", disable=not (s.progress and main))
    with logging_redirect_tqdm(), bar, _interrupt_between_steps() as interrupted:
        batches = trainer.batches(step)
        try:
            while step < total_steps:
                if interrupted.is_set():
                    raise KeyboardInterrupt
                batch = next(batches)
                losses = trainer.train_step(batch, run)
                run.scaler.update()
                step += 1
                step_ends.append(time.perf_counter() - start)
                items += trainer.batch_size(batch) * run.dist.world_size
                values = {name: loss.item() for name, loss in losses.items()}
                for name, value in values.items():
                    if not math.isfinite(value):
                        raise TrainingDivergedError(
                            f"the {name} loss became {value} at step {step}; {trainer.divergence_hint}"
                        )
                    running[name] = running.get(name, 0.0) + value
                running_count += 1
                bar.update(1)
                rate = items / (time.perf_counter() - start)
                if may_stop:
                    stop_reason = _stop_reason(trainer, step, s.time_limit, time.perf_counter() - start, run.dist)
                postfix = {k: f"{v:.3g}" for k, v in values.items()} | trainer.progress_fields()
                bar.set_postfix({**postfix, f"{trainer.item_name}/s": f"{rate:.1f}"})
                if step % s.log_every == 0 or step == total_steps or stop_reason:
                    means = distributed.mean_across_ranks([v / running_count for v in running.values()], run.dist)
                    entry = dict(zip(running, means, strict=True))
                    history.append({"step": step, **entry})
                    running, running_count = {}, 0
                    if main:
                        shown = "  ".join(f"{name} {value:.4g}" for name, value in entry.items())
                        log.info("step %d/%d: %s", step, total_steps, shown)
                if stop_reason:
                    if main:
                        log.info("stopping at step %d: %s", step, stop_reason)
                    break
                if main and step % s.checkpoint_every == 0 and step < total_steps:
                    write_checkpoint(checkpoints / f"ckpt_step_{step:07d}.pt")
        except KeyboardInterrupt:  # between steps (the first Ctrl-C), or anywhere (the second)
            if main and step > 0:
                saved = checkpoints / f"ckpt_step_{step:07d}.pt"
                write_checkpoint(saved)
                log.warning("interrupted at step %d; continue with:\n  %s", step, trainer.resume_command(saved))
            raise
    elapsed = time.perf_counter() - start
    final, preview = s.out / "final.pt", s.out / "final.png"
    if main:
        preview = write_checkpoint(final)
        atomic_write_text(s.out / "history.json", json.dumps(history, indent=1))
        trainer.finish()
    throughput = items / elapsed if elapsed > 0 else 0.0
    return TrainResult(model.eval(), final, preview, step, history, throughput, step_ends, stop_reason)


def _stop_reason(
    trainer: Trainer, step: int, time_limit: float | None, elapsed: float, dist_info: distributed.DistInfo
) -> str | None:
    """The trainer's early stop or the time limit; in a data-parallel run every rank stops if any does."""
    reason = trainer.stop_reason(step)
    if reason is None and time_limit is not None and elapsed >= time_limit:
        reason = f"time limit of {time_limit:g} s reached"
    if dist_info.enabled and distributed.mean_across_ranks([float(reason is not None)], dist_info)[0] > 0:
        return reason or "another process stopped"
    return reason


def _checkpoint_plan(s: LoopSettings, step: int, total_steps: int) -> str:
    """Where checkpoints will go, said before the run so that a schedule that never fires is no surprise."""
    final = f"the final checkpoint goes to {s.out / 'final.pt'}"
    before_end = max(0, (total_steps - 1) // s.checkpoint_every - step // s.checkpoint_every)
    if before_end == 0:
        return f"no checkpoint before the end (one every {s.checkpoint_every} steps); {final}"
    return f"{before_end} checkpoint(s) in {s.out / 'checkpoints'}, one every {s.checkpoint_every} steps; {final}"


@contextlib.contextmanager
def _interrupt_between_steps() -> Iterator[threading.Event]:
    """The first Ctrl-C lets the current step finish, so the checkpoint written on the way out holds
    whole steps; a second one interrupts at once. (Only the main thread can take signals.)"""
    requested = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield requested
        return
    previous = signal.getsignal(signal.SIGINT)

    def on_sigint(signum: int, frame: object) -> None:
        if requested.is_set():
            raise KeyboardInterrupt
        requested.set()
        log.warning("Ctrl-C: finishing this step, then writing a checkpoint (Ctrl-C again to stop at once)")

    signal.signal(signal.SIGINT, on_sigint)
    try:
        yield requested
    finally:
        signal.signal(signal.SIGINT, previous)
