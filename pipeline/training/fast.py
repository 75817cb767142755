"""Train a fast-style TransformerNet (Johnson et al. 2016) against one style image.

`train_fast(config)` is the whole training run, written as one linear loop in the spirit of
pytorch/examples and nanoGPT: set up, then for each step forward, loss, backward, step, log,
checkpoint. Checkpoints are self-describing (see `checkpoint.py`) and each gets a preview PNG.
Runs launched with torchrun train data-parallel (DDP); rank 0 alone writes files.

A resumed run continues the loss curve only with the settings it was started with, which every
checkpoint saves (`train_config`): `FastTrainConfig.from_options` takes them from there for every
setting not given explicitly, and `train_fast` warns about each one that differs.
"""

from __future__ import annotations

import json
import logging
import math
import os
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader
from tqdm import tqdm

from pipeline.core.contract import image_to_unit_tensor
from pipeline.core.errors import SettingsError, StylebridgeError
from pipeline.core.fileio import atomic_write_text, load_rgb, save_png
from pipeline.inference.device import resolve_device
from pipeline.inference.torch_stylizer import TorchStylizer
from pipeline.models import StyleNet, TransformerNet, create_model
from pipeline.models.checkpoint import Checkpoint, load_checkpoint, save_checkpoint
from pipeline.models.registry import resolve
from pipeline.training import distributed
from pipeline.training.data import EpochSampler, ImageFolderDataset
from pipeline.training.losses import PerceptualLoss
from pipeline.training.vgg import STYLE_LAYER_SETS, resolve_vgg_weights

log = logging.getLogger(__name__)

# How this process runs, not what the run is: a resumed run never takes these from its checkpoint.
NOT_INHERITED = frozenset({"resume", "device", "workers", "amp", "channels_last", "progress"})
# A resumed network is the checkpoint's: these cannot change it, so a differing value is ignored.
ARCHITECTURE_SETTINGS = frozenset({"preset", "filters", "res_blocks", "variant"})


class TrainingDivergedError(StylebridgeError, FloatingPointError):
    """The loss became NaN or infinite; lower settings (the message names them) make training stable."""


@dataclass
class FastTrainConfig:
    """Every setting of a `train fast` run; saved in each checkpoint as `train_config`.

    With `resume`, the network, optimizer state, step and loss history come from that checkpoint and
    every other setting is used as given here: build the config with `from_options` to take the run's
    own settings for those not given explicitly (the CLI does).
    """

    # -- data ---------------------------------------------------------------------------------
    data: str  # folder tree of content images (COCO train2014, game frames, ...)
    style: str  # the style image
    out: str  # run folder: checkpoints/, previews, final.pt
    image_size: int = 256  # training crops are image_size x image_size
    style_size: int | None = None  # resize the style image to a square of this side; None = as is
    test_image: str | None = None  # preview input; None = the first training image
    workers: int | None = None  # DataLoader worker processes; None: none on a CPU, up to 4 beside a GPU
    # -- model --------------------------------------------------------------------------------
    preset: str = "tiny"  # a TransformerNet preset: tiny (8,16,32), small (16,32,64), original (32,64,128)
    filters: tuple[int, int, int] | None = None  # overrides the preset's widths
    res_blocks: int | None = None  # overrides the preset's residual block count
    variant: str = "tutorial"  # "tutorial" (Unity workflow, extra skips) or "examples" (pytorch/examples)
    # -- optimisation -------------------------------------------------------------------------
    batch_size: int = 4  # per process
    epochs: int = 2
    max_steps: int | None = None  # stop after this many optimizer steps in total
    lr: float = 1e-3  # Adam
    content_weight: float = 1e5
    style_weight: float = 1e10  # the Unity tutorial used 2e9 with its 5 layers; try 5e8 .. 1e11
    style_layers: str = "tutorial"  # "tutorial" (5 VGG-19 layers) or "examples" (4 VGG-16-style layers)
    vgg_weights: str | None = None  # None = ImageNet from torch hub cache/download; "random"; or a path
    # -- bookkeeping --------------------------------------------------------------------------
    checkpoint_every: int = 500  # steps between checkpoints (each with a preview PNG)
    log_every: int = 50  # steps between loss-history entries and log lines
    resume: str | None = None  # a checkpoint to continue from (model, optimizer, step, history)
    seed: int = 42
    device: str = "auto"  # auto | cpu | cuda
    amp: bool = True  # mixed precision (CUDA only)
    channels_last: bool = True  # NHWC memory format (CUDA only)
    progress: bool = True  # tqdm progress bar

    @classmethod
    def from_options(cls, options: dict[str, Any]) -> FastTrainConfig:
        """A config from the settings given explicitly (other keys, such as the CLI's own, are dropped).

        Settings not given take the dataclass defaults; with `resume`, they take the values saved in
        that checkpoint instead (except NOT_INHERITED, which describe this machine), so that a resumed
        run goes on exactly as the interrupted one would have.
        """
        known = {f.name for f in fields(cls)}
        settings = {k: v for k, v in options.items() if k in known}
        if settings.get("resume"):
            saved = load_checkpoint(settings["resume"]).train_config or {}
            settings = {**{k: v for k, v in saved.items() if k in known - NOT_INHERITED}, **settings}
        missing = [f"--{name}" for name in ("data", "style", "out") if settings.get(name) is None]
        if missing:
            hint = (
                f"{settings['resume']} holds no saved training settings"
                if settings.get("resume")
                else "or --resume CHECKPOINT to continue a run with its own settings"
            )
            raise SettingsError(f"`train fast` needs {', '.join(missing)} ({hint})")
        return cls(**settings)

    def validate(self) -> None:
        """Refuse settings that cannot train before any work is done (the CLI prints these plainly)."""
        if self.style_layers not in STYLE_LAYER_SETS:
            raise SettingsError(
                f"--style-layers must be one of {', '.join(STYLE_LAYER_SETS)}, got {self.style_layers!r}"
            )
        for name in ("image_size", "style_size", "batch_size", "epochs", "max_steps", "checkpoint_every", "log_every"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise SettingsError(f"--{name.replace('_', '-')} must be at least 1, got {value}")
        multiple = TransformerNet.contract.size_multiple
        if self.image_size % multiple:
            raise SettingsError(
                f"--image-size must be a multiple of {multiple} (TransformerNet halves the image twice and "
                f"doubles it back), got {self.image_size}; try {self.image_size + -self.image_size % multiple}"
            )


@dataclass
class TrainResult:
    model: StyleNet  # the trained network (on the training device, eval mode)
    final_checkpoint: Path  # written by rank 0 only
    preview: Path
    steps: int
    history: list[dict[str, float]] = field(default_factory=list)
    images_per_second: float = 0.0
    skipped_images: int = 0
    step_ends: list[float] = field(default_factory=list)  # seconds since the loop began, per step


def train_fast(config: FastTrainConfig) -> TrainResult:
    """Train (or resume) a TransformerNet; returns where the final checkpoint and preview went.

    A resumed run uses `config` as it is; each setting that differs from the one the checkpoint was
    trained with is logged as a warning (see FastTrainConfig.from_options to inherit them instead).
    """
    config.validate()
    requested = resolve_device(config.device)
    dist_info = distributed.init_distributed(requested)
    device = distributed.training_device(requested, dist_info)
    out = Path(config.out)
    try:
        return _train(config, device, dist_info, out)
    finally:
        distributed.shutdown(dist_info)


def _train(config: FastTrainConfig, device: torch.device, dist_info: distributed.DistInfo, out: Path) -> TrainResult:
    torch.manual_seed(config.seed)
    cuda = device.type == "cuda"
    use_amp = config.amp and cuda
    memory_format = torch.channels_last if (config.channels_last and cuda) else torch.contiguous_format

    # -- model, optimizer and (when resuming) their saved state -----------------------------------
    resumed = load_checkpoint(config.resume) if config.resume else None
    if resumed is not None:
        if resumed.architecture != "transformer_net":
            raise SettingsError(
                f"{config.resume} holds a {resumed.architecture}; `train fast` resumes TransformerNet checkpoints only"
            )
        model = resumed.build_model()
        preset = resumed.preset
        log.info("resuming %s from %s at step %d", resumed.name, config.resume, resumed.step)
        if dist_info.is_main:
            _warn_about_changed_settings(config, resumed.train_config or {}, config.resume)
    else:
        architecture, _ = resolve(config.preset)
        if architecture != "transformer_net":
            raise SettingsError(f"preset {config.preset!r} is not a TransformerNet; use tiny, small or original")
        preset = None if config.filters or config.res_blocks else config.preset
        model = create_model(
            config.preset, filters=config.filters, res_blocks=config.res_blocks, variant=config.variant
        )
    model = model.to(device, memory_format=memory_format).train()
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    step, history = 0, []
    if resumed is not None:
        if resumed.optimizer is not None:
            optimizer.load_state_dict(resumed.optimizer)
        step, history = resumed.step, list(resumed.history)
    net: torch.nn.Module = model
    if dist_info.enabled:
        net = DistributedDataParallel(model, device_ids=[device.index] if cuda else None)
    contract = model.contract

    # -- data and loss --------------------------------------------------------------------------
    dataset = ImageFolderDataset(config.data, config.image_size)
    sampler = EpochSampler(len(dataset), config.batch_size, config.seed, dist_info.rank, dist_info.world_size)
    loader = DataLoader(
        dataset,
        batch_size=config.batch_size,
        sampler=sampler,
        num_workers=_loader_workers(config.workers, device),
        pin_memory=cuda,
        drop_last=True,
        persistent_workers=False,
    )
    total_steps = config.epochs * sampler.batches_per_epoch
    if config.max_steps is not None:
        total_steps = min(total_steps, config.max_steps)
    vgg_weights = resolve_vgg_weights(config.vgg_weights, seed=config.seed)
    log.info("loss network: %s", vgg_weights.description)
    style_unit = _load_style(config.style, config.style_size).to(device)
    # Built on style_unit's device, the training device: only the memory format is left to set.
    criterion = PerceptualLoss(
        style_unit,
        STYLE_LAYER_SETS[config.style_layers],
        vgg_weights,
        config.content_weight,
        config.style_weight,
        seed=config.seed,
    ).to(memory_format=memory_format)
    scaler = torch.amp.GradScaler("cuda", enabled=use_amp)
    test_image = load_rgb(config.test_image) if config.test_image else dataset.first_readable()
    train_config = {**asdict(config), "vgg_weights_used": vgg_weights.description}

    def write_checkpoint(path: Path) -> Path:
        checkpoint = Checkpoint.from_model(
            model,
            preset=preset,
            step=step,
            epoch=step // sampler.batches_per_epoch,
            optimizer=optimizer.state_dict(),
            train_config=train_config,
            history=history,
        )
        save_checkpoint(path, checkpoint)
        preview = save_png(path.with_suffix(".png"), _preview(model, test_image, device))
        model.train()
        log.info("step %d: wrote %s and %s", step, path, preview)
        return preview

    if dist_info.is_main:
        out.mkdir(parents=True, exist_ok=True)
        log.info(
            "training %s (%s) on %d images from %s, %d steps of %d x %d, device %s%s",
            preset or "TransformerNet",
            model.config(),
            len(dataset),
            config.data,
            total_steps,
            config.batch_size * dist_info.world_size,
            config.image_size,
            device,
            f", {dist_info.world_size} processes" if dist_info.enabled else "",
        )

    # -- the loop ---------------------------------------------------------------------------------
    bar = tqdm(total=total_steps, initial=step, unit="step", disable=not (config.progress and dist_info.is_main))
    running = np.zeros(3)  # content, style, total since the last log line
    running_count, skipped, images, start, step_ends = 0, 0, 0, time.perf_counter(), []
    while step < total_steps:
        epoch, batch_in_epoch = divmod(step, sampler.batches_per_epoch)
        sampler.set_position(epoch, batch_in_epoch)
        for batch, batch_skipped in loader:
            content_unit = batch.to(device, non_blocking=True).float().div_(255.0)
            content_unit = content_unit.contiguous(memory_format=memory_format)
            with torch.autocast(device.type, dtype=torch.float16, enabled=use_amp):
                output = net(contract.unit_to_input(content_unit))
                output_unit = contract.output_to_unit(output.float())
                content_loss, style_loss = criterion(output_unit, content_unit)
            total_loss = content_loss + style_loss
            optimizer.zero_grad(set_to_none=True)
            scaler.scale(total_loss).backward()
            scaler.step(optimizer)
            scaler.update()
            step += 1
            step_ends.append(time.perf_counter() - start)
            images += batch.shape[0] * dist_info.world_size
            skipped += int(batch_skipped.sum())
            running += (content_loss.item(), style_loss.item(), total_loss.item())
            running_count += 1
            if not math.isfinite(running[2]):
                raise TrainingDivergedError(f"loss became {running[2]} at step {step}; lower --lr or --style-weight")
            bar.update(1)
            bar.set_postfix(
                content=f"{content_loss.item():.3g}",
                style=f"{style_loss.item():.3g}",
                total=f"{total_loss.item():.3g}",
                img_s=f"{images / (time.perf_counter() - start):.1f}",
            )
            if step % config.log_every == 0 or step == total_steps:
                content, style, total = distributed.mean_across_ranks(list(running / running_count), dist_info)
                history.append({"step": step, "content": content, "style": style, "total": total})
                running[:], running_count = 0.0, 0
                if dist_info.is_main:
                    log.info(
                        "step %d/%d: content %.4g  style %.4g  total %.4g",
                        step,
                        total_steps,
                        content,
                        style,
                        total,
                    )
            if dist_info.is_main and step % config.checkpoint_every == 0 and step < total_steps:
                write_checkpoint(out / "checkpoints" / f"ckpt_step_{step:07d}.pt")
            if step >= total_steps:
                break
    bar.close()
    elapsed = time.perf_counter() - start
    final, preview = out / "final.pt", out / "final.png"
    if dist_info.is_main:
        preview = write_checkpoint(final)
        atomic_write_text(out / "history.json", json.dumps(history, indent=1))
        if skipped:
            log.warning("skipped %d unreadable training images (see warnings above)", skipped)
    throughput = images / elapsed if elapsed > 0 else 0.0
    return TrainResult(model.eval(), final, preview, step, history, throughput, skipped, step_ends)


def _warn_about_changed_settings(config: FastTrainConfig, saved: dict[str, Any], checkpoint: str) -> None:
    """A resumed run with other settings no longer continues the same loss curve: say so, setting by setting."""
    for f in fields(config):
        if f.name in NOT_INHERITED or f.name not in saved:
            continue
        now, before = getattr(config, f.name), saved[f.name]
        if _comparable(now) == _comparable(before):
            continue
        flag = "--" + f.name.replace("_", "-")
        if f.name in ARCHITECTURE_SETTINGS:
            log.warning("%s %s ignored: the network resumed from %s was built with %s", flag, now, checkpoint, before)
        else:
            log.warning(
                "%s %s differs from the %s the run in %s was trained with; using %s", flag, now, before, checkpoint, now
            )


def _comparable(value: Any) -> Any:
    # filters may come back from a checkpoint or a caller as a list or as a tuple
    return list(value) if isinstance(value, tuple) else value


def _load_style(path: str, size: int | None) -> torch.Tensor:
    image = load_rgb(path)
    if size:  # a square resize, as the Unity tutorial did (crop style images square first)
        image = np.asarray(Image.fromarray(image).resize((size, size), Image.Resampling.LANCZOS))
    return image_to_unit_tensor(image)


def _preview(model: StyleNet, image: np.ndarray, device: torch.device) -> np.ndarray:
    # TorchStylizer switches the model to eval mode; the caller switches it back.
    return TorchStylizer(model, device)(image)


def _loader_workers(requested: int | None, device: torch.device) -> int:
    """Decoding in worker processes pays off only when the model runs elsewhere (a GPU).

    On a CPU the workers compete with training for the same cores: measured on 2 cores,
    `bench train` gave 0.8-0.9x of a worker-free loop with 2 workers and 1.27x with none.
    """
    if requested is not None:
        return requested
    return 0 if device.type == "cpu" else min(4, max(0, (os.cpu_count() or 1) - 1))
