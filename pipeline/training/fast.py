"""Train a fast-style TransformerNet (Johnson et al. 2016) against one style image.

`FastTrainer` is what this kind of training plugs into the shared loop (`loop.py`): the network,
Adam, the folder of content images and the perceptual loss (VGG-19 content + Gram style), and
one step of them. The loop does the rest (devices, AMP, DDP under torchrun, checkpoints with
previews, resume, history, progress). `train_fast(config)` is the whole run.

A resumed run continues the loss curve only with the settings it was started with, which every
checkpoint saves (`train_config`, its paths absolute, so a run resumes from any folder):
`FastTrainConfig.from_options` takes them from there for every setting not given explicitly, and
`train_fast` warns about each one that differs. A resumed run writes into the run folder its
checkpoint lives in (or `--out`), never into the folder the run was started in: a copied run stays a
copy.
"""

from __future__ import annotations

import logging
import os
import shlex
from collections.abc import Iterator
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image
from torch.utils.data import DataLoader

from pipeline.core.contract import image_to_unit_tensor
from pipeline.core.errors import SettingsError
from pipeline.core.fileio import ImageReadError, load_rgb
from pipeline.inference.device import resolve_device
from pipeline.inference.torch_stylizer import TorchStylizer
from pipeline.models import ARCHITECTURES, StyleNet, TransformerNet, create_model
from pipeline.models.checkpoint import Checkpoint, load_checkpoint
from pipeline.models.registry import presets_for, resolve
from pipeline.training.data import EpochSampler, ImageFolderDataset
from pipeline.training.loop import LoopSettings, Run, Trainer, TrainResult, run_training
from pipeline.training.losses import PerceptualLoss
from pipeline.training.vgg import STYLE_LAYER_SETS, resolve_vgg_weights

log = logging.getLogger(__name__)

# How this process runs, not what the run is: a resumed run never takes these from its checkpoint.
NOT_INHERITED = frozenset({"resume", "device", "workers", "amp", "channels_last", "progress"})
# A resumed network is the checkpoint's: these cannot change it, so a differing value is ignored.
ARCHITECTURE_SETTINGS = frozenset({"preset", "filters", "res_blocks", "variant"})
# Files the run reads: saved resolved, so that a resumed run finds them from any working folder.
INPUT_PATHS = ("data", "style", "test_image")
# Default (content, style) loss weights. ImageNet VGG-19: pytorch/examples' weights of its raw MSEs.
# Random filters: the losses are relative errors (1 = as far off as all zeros; see losses.py), and equal
# weights keep the frame recognisable while its palette and texture become the style's (measured in
# the demo; the README's demo section has the numbers).
LOSS_WEIGHTS = {"imagenet": (1e5, 1e10), "random": (1.0, 1.0)}


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
    content_weight: float | None = None  # None: the loss network's default (LOSS_WEIGHTS)
    style_weight: float | None = None  # None: as above; with ImageNet, the Unity tutorial used 2e9 (try 5e8 .. 1e11)
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
        run goes on exactly as the interrupted one would have. Its `out` is not inherited: unless given,
        it is the run folder the checkpoint is in (`run_folder`), so resuming a copy of a run never
        writes into the original.
        """
        known = {f.name for f in fields(cls)}
        settings = {k: v for k, v in options.items() if k in known}
        if settings.get("resume"):
            resume = settings["resume"]
            saved = load_checkpoint(resume).train_config or {}
            inherited = {k: v for k, v in saved.items() if k in known - NOT_INHERITED - {"out"}}
            for name in INPUT_PATHS:
                path = inherited.get(name)
                if name not in settings and path is not None and not Path(path).exists():
                    flag = "--" + name.replace("_", "-")
                    raise SettingsError(
                        f"{resume} was trained with {flag} {path}, which is not there from {Path.cwd()}; "
                        f"pass {flag} to say where it is now"
                    )
            settings = {**inherited, **settings}
            if settings.get("out") is None:
                settings["out"] = str(run_folder(resume))
        missing = [f"--{name}" for name in ("data", "style", "out") if settings.get(name) is None]
        if missing:
            hint = (
                f"{settings['resume']} holds no saved training settings"
                if settings.get("resume")
                else "or --resume CHECKPOINT to continue a run with its own settings"
            )
            raise SettingsError(f"`train fast` needs {', '.join(missing)} ({hint})")
        return cls(**settings)

    def resolved(self) -> FastTrainConfig:
        """This config with its paths absolute (what checkpoints save); `vgg_weights` only when it names a file."""
        names = [name for name in (*INPUT_PATHS, "out") if getattr(self, name)]
        paths = {name: str(Path(getattr(self, name)).resolve()) for name in names}
        if self.vgg_weights and Path(self.vgg_weights).is_file():
            paths["vgg_weights"] = str(Path(self.vgg_weights).resolve())
        return replace(self, **paths)

    def loss_weights(self, random_filters: bool) -> tuple[float, float]:
        """(content, style) weights: those given, else the defaults for the loss network (LOSS_WEIGHTS)."""
        content, style = LOSS_WEIGHTS["random" if random_filters else "imagenet"]
        return (
            content if self.content_weight is None else self.content_weight,
            style if self.style_weight is None else self.style_weight,
        )

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
        multiple, smallest = TransformerNet.contract.size_multiple, TransformerNet.min_size
        if self.image_size % multiple:
            raise SettingsError(
                f"--image-size must be a multiple of {multiple} (TransformerNet halves the image twice and "
                f"doubles it back), got {self.image_size}; try {self.image_size + -self.image_size % multiple}"
            )
        if self.image_size < smallest:
            raise SettingsError(
                f"--image-size must be at least {smallest} (TransformerNet's 9x9 reflection padding needs "
                f"{smallest}x{smallest} crops), got {self.image_size}"
            )


def run_folder(checkpoint: str | Path) -> Path:
    """The run a checkpoint belongs to: RUN for RUN/checkpoints/ckpt_*.pt, else the checkpoint's folder."""
    folder = Path(checkpoint).resolve().parent
    return folder.parent if folder.name == "checkpoints" else folder


def train_fast(config: FastTrainConfig) -> TrainResult:
    """Train (or resume) a TransformerNet; returns where the final checkpoint and preview went.

    A resumed run uses `config` as it is; each setting that differs from the one the checkpoint was
    trained with is logged as a warning (see FastTrainConfig.from_options to inherit them instead).
    """
    config.validate()
    config = config.resolved()
    resumed = load_checkpoint(config.resume) if config.resume else None
    trainer = FastTrainer(config, resumed)
    settings = LoopSettings(
        out=Path(config.out),
        checkpoint_every=config.checkpoint_every,
        log_every=config.log_every,
        seed=config.seed,
        device=resolve_device(config.device),
        amp=config.amp,
        channels_last=config.channels_last,
        progress=config.progress,
    )
    return run_training(trainer, settings, resumed)


class FastTrainer(Trainer):
    """TransformerNet + perceptual loss against one style image, on a folder of content images."""

    divergence_hint = "lower --lr or --style-weight"

    def __init__(self, config: FastTrainConfig, resumed: Checkpoint | None) -> None:
        self.config = config
        if resumed is not None:
            if ARCHITECTURES[resumed.architecture].trainer != "fast":
                raise SettingsError(
                    f"{config.resume} holds a {resumed.architecture}; "
                    "`train fast` resumes TransformerNet checkpoints only"
                )
            self.preset = resumed.preset
        else:
            architecture, _ = resolve(config.preset)
            if ARCHITECTURES[architecture].trainer != "fast":
                raise SettingsError(
                    f"preset {config.preset!r} is not trained by `train fast`; use one of "
                    f"{', '.join(presets_for('fast'))}"
                )
            self.preset = None if config.filters or config.res_blocks else config.preset
        self.dataset = ImageFolderDataset(config.data, config.image_size)
        self.unreadable: set[Path] = set()  # training images that could not be read, each reported once
        self.start_step = resumed.step if resumed is not None else 0

    def setup(self, run: Run, resumed: Checkpoint | None) -> StyleNet:
        config = self.config
        if resumed is not None:
            model = resumed.build_model()
            log.info("resuming %s from %s at step %d", resumed.name, config.resume, resumed.step)
            if run.dist.is_main:
                _warn_about_changed_settings(config, resumed.train_config or {}, str(config.resume))
        else:
            model = create_model(
                config.preset, filters=config.filters, res_blocks=config.res_blocks, variant=config.variant
            )
        self.model = run.place(model).train()
        self.device = run.device
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=config.lr)
        if resumed is not None and resumed.optimizer is not None:
            self.optimizer.load_state_dict(resumed.optimizer)
        self.net = run.parallel(self.model)
        self.memory_format = run.memory_format
        self.sampler = EpochSampler(
            len(self.dataset), config.batch_size, config.seed, run.dist.rank, run.dist.world_size
        )
        self.loader = DataLoader(
            self.dataset,
            batch_size=config.batch_size,
            sampler=self.sampler,
            num_workers=_loader_workers(config.workers, run.device),
            pin_memory=run.device.type == "cuda",
            drop_last=True,
            persistent_workers=False,
        )
        vgg_weights = resolve_vgg_weights(config.vgg_weights, seed=config.seed)
        content_weight, style_weight = config.loss_weights(vgg_weights.random)
        log.info(
            "loss network: %s; %s losses, content weight %g, style weight %g",
            vgg_weights.description,
            "relative (mean and covariance per layer)" if vgg_weights.random else "Gram",
            content_weight,
            style_weight,
        )
        style_unit = _load_style(config.style, config.style_size).to(run.device)
        # Built on style_unit's device, the training device: only the memory format is left to set.
        self.criterion = PerceptualLoss(
            style_unit,
            STYLE_LAYER_SETS[config.style_layers],
            vgg_weights,
            content_weight,
            style_weight,
            seed=config.seed,
            relative=vgg_weights.random,
        ).to(memory_format=run.memory_format)
        self.test_image = load_rgb(config.test_image) if config.test_image else self.dataset.first_readable()
        self.train_config = {**asdict(config), "vgg_weights_used": vgg_weights.description}
        return self.model

    def total_steps(self) -> int:
        total = self.config.epochs * self.sampler.batches_per_epoch
        return total if self.config.max_steps is None else min(total, self.config.max_steps)

    def batches(self, step: int) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        while True:
            epoch, batch_in_epoch = divmod(step, self.sampler.batches_per_epoch)
            self.sampler.set_position(epoch, batch_in_epoch)
            for batch in self.loader:
                yield batch
                step += 1

    def train_step(self, batch: tuple[torch.Tensor, torch.Tensor], run: Run) -> dict[str, torch.Tensor]:
        images, (firsts, counts) = batch
        for first, count in zip(firsts.tolist(), counts.tolist(), strict=True):
            self._report_unreadable(self.dataset.skipped_paths(first, count))
        content_unit = images.to(run.device, non_blocking=True).float().div_(255.0)
        content_unit = content_unit.contiguous(memory_format=run.memory_format)
        contract = self.model.contract
        with run.autocast():
            output = self.net(contract.unit_to_input(content_unit))
            content_loss, style_loss = self.criterion(contract.output_to_unit(output.float()), content_unit)
        total_loss = content_loss + style_loss
        run.optimize(total_loss, self.optimizer)
        return {"content": content_loss, "style": style_loss, "total": total_loss}

    def _report_unreadable(self, paths: list[Path]) -> None:
        """Warn once per unreadable file, with the reason (items only say which files they skipped)."""
        for path in paths:
            if path in self.unreadable:
                continue
            self.unreadable.add(path)
            try:
                load_rgb(path)
            except ImageReadError as exc:
                log.warning("skipping a training image, the next one stands in for it: %s", exc)

    def batch_size(self, batch: tuple[torch.Tensor, torch.Tensor]) -> int:
        return int(batch[0].shape[0])

    def checkpoint_fields(self, step: int) -> dict[str, Any]:
        return {
            "preset": self.preset,
            "epoch": step // self.sampler.batches_per_epoch,
            "optimizer": self.optimizer.state_dict(),
            "train_config": self.train_config,
        }

    def preview(self) -> np.ndarray:
        # TorchStylizer switches the model to eval mode; the loop switches it back.
        return TorchStylizer(self.model, self.device)(self.test_image)

    def describe(self, total_steps: int, world_size: int) -> str:
        """What will run and why that many steps: epochs x batches, and whether --max-steps cuts it short."""
        config, per_epoch = self.config, self.sampler.batches_per_epoch
        batch, planned = config.batch_size * world_size, config.epochs * per_epoch
        epochs = (
            f"{config.epochs} epoch(s) x {per_epoch} batches of {batch} {config.image_size}x{config.image_size} "
            f"crops from {len(self.dataset)} image files under {config.data}"
        )
        if config.max_steps is not None and config.max_steps < planned:
            steps = f"{total_steps} steps: --max-steps {config.max_steps} stops {epochs} ({planned} steps) early"
        elif config.max_steps is not None and config.max_steps > planned:
            steps = (
                f"{total_steps} steps = {epochs}; --max-steps {config.max_steps} only caps a run and is not "
                "reached (raise --epochs, or add images, to train longer)"
            )
        else:
            steps = f"{total_steps} steps = {epochs}"
        if self.start_step >= total_steps:
            steps += f"; the checkpoint is already at step {self.start_step}: nothing to train"
        elif self.start_step:
            steps += f"; resuming at step {self.start_step}, {total_steps - self.start_step} to go"
        where = f"device {self.device}" + (f", {world_size} processes" if world_size > 1 else "")
        return f"training {self.preset or 'TransformerNet'} ({self.model.config()}), {where}: {steps}"

    def resume_command(self, checkpoint: Path) -> str:
        """The run's settings are in the checkpoint; only how this process ran (device, workers, AMP) is repeated."""
        config, defaults = self.config, FastTrainConfig("", "", "")
        words = ["stylebridge", "train", "fast", "--resume", str(checkpoint)]
        if config.device != defaults.device:
            words += ["--device", config.device]
        if config.workers is not None:
            words += ["--workers", str(config.workers)]
        if config.amp != defaults.amp:
            words.append("--no-amp")
        return shlex.join(words)

    def finish(self) -> None:
        if self.unreadable:
            log.warning(
                "%d of the %d image files under %s could not be read and were skipped (see above): %s",
                len(self.unreadable),
                len(self.dataset),
                self.config.data,
                ", ".join(path.name for path in sorted(self.unreadable)),
            )


def _warn_about_changed_settings(config: FastTrainConfig, saved: dict[str, Any], checkpoint: str) -> None:
    """A resumed run with other settings no longer continues the same loss curve: say so, setting by setting."""
    for f in fields(config):
        if f.name in NOT_INHERITED or f.name == "out" or f.name not in saved:
            continue
        now, before = getattr(config, f.name), saved[f.name]
        if f.name in INPUT_PATHS and now is not None and before is not None:
            now, before = str(Path(now).resolve()), str(Path(before).resolve())  # older runs saved them as typed
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


def _loader_workers(requested: int | None, device: torch.device) -> int:
    """Decoding in worker processes pays off only when the model runs elsewhere (a GPU).

    On a CPU the workers compete with training for the same cores: measured on 2 cores,
    `bench train` gave 0.8-0.9x of a worker-free loop with 2 workers and 1.27x with none.
    """
    if requested is not None:
        return requested
    return 0 if device.type == "cpu" else min(4, max(0, (os.cpu_count() or 1) - 1))
