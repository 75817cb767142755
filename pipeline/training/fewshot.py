"""Train Texler et al.'s few-shot generator on a few painted keyframes of a sequence (SIGGRAPH 2020).

`FewShotTrainer` is what this kind of training plugs into the shared loop (`loop.py`): the generator,
a PatchGAN discriminator, random patches of the keyframes (`fewshot_data.py`) and the paper's losses
(`fewshot_losses.py`); one step is one discriminator step, then one generator step. The loop does the
rest (device, AMP, resume, history, progress with patches/s, checkpoints with previews, time limit).

With a `teacher` (a fast-style model) instead of a painter, the teacher paints chosen frames of the
sequence and stylizes held-out frames that are never trained on (`fewshot_teacher.py`); the student's
PSNR/SSIM against it there show on the progress bar, and previews are frame | teacher | student.

Unlike the authors' script, a run stops by itself: after `max_steps`, at `time_limit`, or when the
validation loss has not improved by `min_delta` (relative) for `patience` evaluations. With a
teacher the validation loss is the student's L1 against the teacher on the held-out frames; else,
with 2+ keyframes, the L1 error on one held-out keyframe (leave-one-out: by default the last painted
keyframe is kept out of training and measured on the full frame); otherwise the mean training loss
of the last `eval_every` steps. The discriminator, its optimizer and the
early-stopping state travel in each checkpoint's `trainer_state`, so `--resume` continues exactly.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image, ImageDraw

from pipeline.core.contract import unit_tensor_to_image
from pipeline.core.errors import SettingsError
from pipeline.core.fileio import atomic_write_text, load_rgb
from pipeline.inference.device import resolve_device
from pipeline.models import ARCHITECTURES, StyleNet, create_model
from pipeline.models.checkpoint import Checkpoint, load_checkpoint
from pipeline.models.patchgan import PatchDiscriminator
from pipeline.models.registry import presets_for, resolve
from pipeline.training import settings as run_settings
from pipeline.training.fewshot_data import FewShotLayout, Keyframe, PatchSampler, load_input, resolve_layout
from pipeline.training.fewshot_losses import FewShotLoss, LossWeights
from pipeline.training.fewshot_teacher import HeldOut, TeacherData, teacher_data
from pipeline.training.loop import LoopSettings, Run, Trainer, TrainResult, run_training
from pipeline.training.vgg import resolve_vgg_weights

log = logging.getLogger(__name__)

# How this process runs, not what the run is: a resumed run never takes these from its checkpoint.
NOT_INHERITED = frozenset(
    {"resume", "trust_pickle", "device", "amp", "channels_last", "progress", "time_limit", "teacher_cache"}
)
# A resumed network is the checkpoint's: these cannot change it, so a differing value is ignored.
ARCHITECTURE_SETTINGS = frozenset({"preset", "filters", "resnet_blocks"})
REQUIRED = ("out",)  # and --keyframes or --teacher: `validate` says which
PREVIEW_HEIGHT = 256  # preview strips are scaled down to this height when frames are taller


@dataclass
class FewShotTrainConfig:
    """Every setting of a `train fewshot` run; saved in each checkpoint as `train_config`."""

    # -- data ---------------------------------------------------------------------------------
    out: str  # run folder: checkpoints/, previews, final.pt
    keyframes: str | None = None  # painted keyframes (named like their frames), or the authors' SEQ_train folder
    # every frame of the sequence (default with SEQ_train: SEQ_gen/input_filtered); with a teacher, also a
    # `serve --capture-dir` folder, read in its manifest's order
    frames: str | None = None
    masks: str | None = None  # white = paint valid; a keyframe without a mask is valid everywhere
    guides: tuple[str, ...] = ()  # folders of per-frame guide images (extra input channels)
    preview_frame: str | None = None  # the frame previewed (name); None = the one farthest from any keyframe
    # -- a teacher instead of a painter (keyframes.py, fewshot_teacher.py) ------------------------------
    teacher: str | None = None  # a fast-style checkpoint or .onnx that paints the keyframes
    keyframe_count: int | None = None  # `--keyframes K`: K frames by farthest-point sampling (the default, 8)
    keyframes_every: int | None = None  # every N-th frame
    keyframes_at: tuple[str, ...] = ()  # frame names or 0-based positions
    holdout_frames: int = 8  # frames never trained on, scored against the teacher
    capture_source: str | None = None  # a capture folder's frames of this source only
    teacher_cache: str | None = None  # where teacher outputs are cached (default: ~/.cache/stylebridge/teacher)
    # -- model --------------------------------------------------------------------------------
    preset: str = "fewshot-reference"  # fewshot-reference (the paper's, 13 MB) or fewshot-small (<1 MB)
    filters: tuple[int, ...] | None = None  # six widths, overriding the preset's
    resnet_blocks: int | None = None
    # -- the paper's method -------------------------------------------------------------------
    patch_size: int = 32
    batch_size: int = 40  # patches per step
    erosion: int = 7  # patch centres lie in the mask eroded by this box
    l1_weight: float = 4.0
    perceptual_weight: float = 6.0  # VGG-19 conv1_1, relu1_2, conv2_1 feature MSE
    adversarial_weight: float = 0.5  # LSGAN
    lr: float = 4e-4  # Adam, generator and discriminator
    beta1: float = 0.9
    beta2: float = 0.999
    weight_decay: float = 1e-5
    disc_filters: int = 12
    disc_layers: int = 2
    vgg_weights: str | None = None  # None = ImageNet (hub cache or download); "random"; or a path
    # -- stopping -----------------------------------------------------------------------------
    max_steps: int = 20_000
    time_limit: float | None = None  # seconds
    holdout: str = "auto"  # auto: leave the last keyframe out when there are 2+; none; or a keyframe name
    eval_every: int = 100  # steps between validations
    patience: int = 5  # validations without improvement before stopping; 0 = never stop early
    min_delta: float = 0.01  # relative improvement that counts
    # -- bookkeeping --------------------------------------------------------------------------
    checkpoint_every: int = 500
    log_every: int = 50
    resume: str | None = None  # a checkpoint to continue (or a foreign generator to start from)
    trust_pickle: bool = False  # unpickle whole-module checkpoints (the authors' format); runs code
    seed: int = 42
    device: str = "auto"
    amp: bool = True
    channels_last: bool = True
    progress: bool = True

    @classmethod
    def from_options(cls, options: dict[str, Any]) -> FewShotTrainConfig:
        """A config from the options given explicitly; with `resume`, the others from that checkpoint."""
        keyframes = str(options.get("keyframes"))
        # `--keyframes K`: a number (with a teacher, or when no folder has that name) is how many to choose
        if keyframes.isdigit() and (options.get("teacher") or not Path(keyframes).is_dir()):
            options = {**options, "keyframes": None, "keyframe_count": int(keyframes)}
        config = run_settings.from_options(
            cls, options, "train fewshot", REQUIRED, NOT_INHERITED, bool(options.get("trust_pickle"))
        )
        config.guides = tuple(config.guides or ())
        config.keyframes_at = tuple(config.keyframes_at or ())
        return config

    def validate(self) -> None:
        """Refuse settings that cannot train before any work is done."""
        for name in ("batch_size", "erosion", "max_steps", "eval_every", "checkpoint_every", "log_every"):
            if getattr(self, name) < 1:
                raise SettingsError(f"--{name.replace('_', '-')} must be at least 1, got {getattr(self, name)}")
        if self.patch_size < 16 or self.patch_size % 4:
            raise SettingsError(
                f"--patch-size must be a multiple of 4 and at least 16 (the generator halves patches twice, the "
                f"discriminator needs room for its 4x4 windows), got {self.patch_size}"
            )
        if self.patience < 0 or self.min_delta < 0:
            raise SettingsError("--patience and --min-delta cannot be negative")
        if self.time_limit is not None and self.time_limit <= 0:
            raise SettingsError(f"--time-limit must be positive, got {self.time_limit}")
        self._validate_data()

    def _validate_data(self) -> None:
        chosen = self.keyframe_count is not None or self.keyframes_every is not None or bool(self.keyframes_at)
        if self.teacher is None:
            if chosen or self.capture_source:
                raise SettingsError(
                    "--keyframes K, --keyframes-every, --keyframes-at and --capture-source choose frames for a teacher "
                    "to paint: add --teacher MODEL (a fast-style checkpoint or .onnx)"
                )
            if self.keyframes is None:
                raise SettingsError(
                    "`train fewshot` needs --keyframes DIR (the painted keyframes) or --teacher MODEL with --frames "
                    "DIR (a fast-style model paints them), or --resume CHECKPOINT to continue a run with its settings"
                )
            return
        if self.keyframes is not None:
            raise SettingsError(
                f"--keyframes {self.keyframes} is a folder of paintings, but --teacher paints the keyframes: pass one "
                "of them (with --teacher, --keyframes K takes a number)"
            )
        if self.frames is None:
            raise SettingsError(
                "--teacher needs --frames DIR: a folder of frames, or a folder `serve --capture-dir` wrote"
            )
        if self.holdout not in ("auto", "none"):
            raise SettingsError(
                "--holdout names a painted keyframe to leave out; with --teacher, --holdout-frames N frames that are "
                "never keyframes are scored against the teacher instead"
            )
        if self.holdout_frames < 0:
            raise SettingsError(f"--holdout-frames cannot be negative, got {self.holdout_frames}")


@dataclass
class FewShotResult(TrainResult):
    held_out: str | None = None  # the keyframe kept out of training, if any
    keyframe_l1_before: dict[str, float] = field(default_factory=dict)  # 8-bit levels, per keyframe
    keyframe_l1_after: dict[str, float] = field(default_factory=dict)
    layout: FewShotLayout | None = None
    # with a teacher: mean PSNR (dB), SSIM and L1 (8-bit levels) against it on the held-out frames
    held_out_scores_before: dict[str, float] = field(default_factory=dict)
    held_out_scores_after: dict[str, float] = field(default_factory=dict)
    teacher_split: dict[str, Any] | None = None  # keyframes and held-out frames (TeacherData.summary)


def train_fewshot(config: FewShotTrainConfig) -> FewShotResult:
    """Train (or resume) a few-shot generator; returns the run's files and keyframe errors."""
    config.validate()
    resumed = load_checkpoint(config.resume, trust_pickle=config.trust_pickle) if config.resume else None
    trainer = FewShotTrainer(config, resumed)
    loop_settings = LoopSettings(
        out=Path(config.out),
        checkpoint_every=config.checkpoint_every,
        log_every=config.log_every,
        seed=config.seed,
        device=resolve_device(config.device),
        amp=config.amp,
        channels_last=config.channels_last,
        progress=config.progress,
        time_limit=config.time_limit,
    )
    result = run_training(trainer, loop_settings, resumed)
    return FewShotResult(
        **vars(result),
        held_out=trainer.held_out.name if trainer.held_out else None,
        keyframe_l1_before=trainer.l1_before,
        keyframe_l1_after=trainer.l1_after,
        layout=trainer.layout,
        held_out_scores_before=trainer.scores_before,
        held_out_scores_after=trainer.scores,
        teacher_split=trainer.teacher_data.summary() if trainer.teacher_data else None,
    )


@torch.no_grad()
def keyframe_l1(model: StyleNet, keyframe: Keyframe, device: torch.device) -> float:
    """Mean absolute error of the generator's full-frame output against the painting, in 8-bit levels,
    over the painted (masked) pixels; the model is left in eval mode."""
    model.eval()
    output = model(keyframe.source[None].to(device)).float().clamp(-1, 1)[0]
    error = (output - keyframe.target.to(device)).abs().mean(dim=0)
    return float(error[keyframe.mask.to(device)].mean()) * 127.5


class FewShotTrainer(Trainer):
    """Generator + PatchGAN on keyframe patches: one discriminator step, then one generator step."""

    item_name = "patch"
    divergence_hint = "lower --lr or --adversarial-weight"

    def __init__(self, config: FewShotTrainConfig, resumed: Checkpoint | None) -> None:
        self.config = config
        if resumed is not None:
            if ARCHITECTURES[resumed.architecture].trainer != "fewshot":
                raise SettingsError(
                    f"{config.resume} holds a {resumed.architecture}; `train fewshot` resumes few-shot generators only"
                )
            self.preset = resumed.preset
        else:
            architecture, _ = resolve(config.preset)
            if ARCHITECTURES[architecture].trainer != "fewshot":
                raise SettingsError(
                    f"preset {config.preset!r} is not trained by `train fewshot`; use one of "
                    f"{', '.join(presets_for('fewshot'))}"
                )
            self.preset = None if config.filters or config.resnet_blocks is not None else config.preset
        self.teacher_data: TeacherData | None = None
        self.held_out_name: str | None = None
        if config.teacher is not None:
            self.teacher_data = teacher_data(
                config.teacher, str(config.frames), every=config.keyframes_every, count=config.keyframe_count,
                at=config.keyframes_at, holdout=config.holdout_frames, capture_source=config.capture_source,
                masks=config.masks, guides=config.guides, cache_dir=config.teacher_cache, device=config.device,
                progress=config.progress,
            )  # fmt: skip
            self.layout = self.teacher_data.layout
        else:
            self.layout = resolve_layout(config.keyframes or "", config.frames, config.masks, config.guides)
            self.held_out_name = self._held_out_keyframe([k.name for k in self.layout.keyframes])
        self.input_channels = 3 + 3 * len(config.guides)
        self.l1_before: dict[str, float] = {}
        self.l1_after: dict[str, float] = {}
        self.scores_before: dict[str, float] = {}  # the student against the teacher on the held-out frames
        self.scores: dict[str, float] = {}  # the same, at the latest validation
        self.window = (0.0, 0)  # training loss sum and count since the last validation
        self.early: dict[str, Any] = {"best": math.inf, "best_step": 0, "bad": 0, "records": []}

    def _held_out_keyframe(self, names: list[str]) -> str | None:
        """The painted keyframe `--holdout` leaves out of training (leave-one-out), if any."""
        holdout = self.config.holdout
        if holdout == "auto":
            return names[-1] if len(names) >= 2 else None
        if holdout == "none":
            return None
        if holdout not in names:
            raise SettingsError(f"--holdout {holdout!r} is not a keyframe; keyframes: {', '.join(names)}")
        if len(names) < 2:
            raise SettingsError("--holdout needs 2+ keyframes: one to hold out, one to train on")
        return holdout

    # -- set-up -----------------------------------------------------------------------------------------
    def setup(self, run: Run, resumed: Checkpoint | None) -> StyleNet:
        config = self.config
        if resumed is not None:
            model = resumed.build_model()
            log.info("resuming %s from %s at step %d", resumed.name, config.resume, resumed.step)
            if run.dist.is_main:
                run_settings.warn_about_changed_settings(
                    config, resumed.train_config or {}, str(config.resume), NOT_INHERITED, ARCHITECTURE_SETTINGS
                )
        else:
            channels = self.input_channels if self.input_channels != 3 else None
            model = create_model(
                config.preset, filters=config.filters, resnet_blocks=config.resnet_blocks, input_channels=channels
            )
        if model.input_channels != self.input_channels:
            raise SettingsError(
                f"the generator takes {model.input_channels} input channels but {len(config.guides)} guide folders "
                f"give {self.input_channels}: pass the guides it was trained with"
            )
        self.model = run.place(model).train()
        self.device, self.memory_format = run.device, run.memory_format
        keyframes = [Keyframe.load(files, config.erosion) for files in self.layout.keyframes]
        self.held_out = next((k for k in keyframes if k.name == self.held_out_name), None)
        self.training_keyframes = [k for k in keyframes if k is not self.held_out]
        self.all_keyframes = keyframes
        self.sampler = PatchSampler(self.training_keyframes, config.patch_size, run.device, config.seed + run.dist.rank)
        self.discriminator = run.place(PatchDiscriminator(config.disc_filters, config.disc_layers)).train()
        adam = {"lr": config.lr, "betas": (config.beta1, config.beta2), "weight_decay": config.weight_decay}
        self.optimizer = torch.optim.Adam(self.model.parameters(), **adam)
        self.d_optimizer = torch.optim.Adam(self.discriminator.parameters(), **adam)
        state = resumed.trainer_state if resumed is not None else None
        if resumed is not None and resumed.optimizer is not None:
            self.optimizer.load_state_dict(resumed.optimizer)
        if state:
            self.discriminator.load_state_dict(state["discriminator"])
            self.d_optimizer.load_state_dict(state["discriminator_optimizer"])
            self.early = dict(state["early_stop"])
        self.net = run.parallel(self.model)
        self.d_net = run.parallel(self.discriminator)
        vgg_weights = resolve_vgg_weights(config.vgg_weights, seed=config.seed)
        log.info("loss network: %s", vgg_weights.description)
        weights = LossWeights(config.l1_weight, config.perceptual_weight, config.adversarial_weight)
        self.loss = FewShotLoss(weights, vgg_weights, config.seed).to(run.device, memory_format=run.memory_format)
        self.train_config = {**asdict(config), "vgg_weights_used": vgg_weights.description}
        self.held_out_frames = HeldOut(self.teacher_data) if self.teacher_data is not None else None
        if self.teacher_data is not None:
            self.train_config["teacher_split"] = self.teacher_data.summary()
            if run.dist.is_main:
                split = json.dumps(self.train_config["teacher_split"], indent=1)
                atomic_write_text(Path(config.out) / "split.json", split)
        self.preview_index = self._preview_index()
        self.l1_before = self._keyframe_errors()
        log.info("keyframe L1 before training (8-bit levels): %s", _levels(self.l1_before))
        if self.held_out_frames:
            self.scores_before = self.scores = self.held_out_frames.scores(self.model, self.device)
            log.info("held-out frames against the teacher before training: %s", _scores(self.scores))
        self.model.train()
        return self.model

    def _preview_index(self) -> int:
        if self.config.preview_frame is not None:
            names = [p.stem for p in self.layout.frames]
            if Path(self.config.preview_frame).stem not in names:
                raise SettingsError(f"--preview-frame {self.config.preview_frame} is not a frame of the sequence")
            return names.index(Path(self.config.preview_frame).stem)
        painted = [self.layout.frame_index(k.name) for k in self.layout.keyframes if k.name in self._frame_names]
        held_out = self.teacher_data.split.held_out if self.teacher_data is not None else ()
        candidates = list(held_out or range(len(self.layout.frames)))  # with a teacher: a frame never trained on
        if not painted:
            return candidates[len(candidates) // 2]
        return max(candidates, key=lambda i: min(abs(i - p) for p in painted))

    @property
    def _frame_names(self) -> set[str]:
        return {p.stem for p in self.layout.frames}

    def _keyframe_errors(self) -> dict[str, float]:
        return {k.name: keyframe_l1(self.model, k, self.device) for k in self.all_keyframes}

    # -- the loop's questions ------------------------------------------------------------------------
    def total_steps(self) -> int:
        return self.config.max_steps

    def batches(self, step: int) -> Iterator[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
        while True:
            yield self.sampler.sample(step, self.config.batch_size)
            step += 1

    def train_step(self, batch: tuple[torch.Tensor, ...], run: Run) -> dict[str, torch.Tensor]:
        source, target, real = (t.contiguous(memory_format=run.memory_format) for t in batch)
        with run.autocast():
            output = self.net(source)
            d_loss = self.loss.discriminator(self.d_net(output.detach()), self.d_net(real))
        run.optimize(d_loss, self.d_optimizer)
        # The generator's step needs gradients through the discriminator, not for it.
        self.discriminator.requires_grad_(False)
        try:
            with run.autocast():
                losses = self.loss.generator(output, target, self.discriminator(output))
            run.optimize(losses["g_total"], self.optimizer)
        finally:
            self.discriminator.requires_grad_(True)
        total, count = self.window
        self.window = (total + float(losses["g_total"].detach()), count + 1)
        return {**losses, "d": d_loss}

    def batch_size(self, batch: tuple[torch.Tensor, ...]) -> int:
        return int(batch[0].shape[0])

    def checkpoint_fields(self, step: int) -> dict[str, Any]:
        return {
            "preset": self.preset,
            "optimizer": self.optimizer.state_dict(),
            "train_config": self.train_config,
            "trainer_state": {
                "discriminator": {k: v.detach().cpu() for k, v in self.discriminator.state_dict().items()},
                "discriminator_optimizer": self.d_optimizer.state_dict(),
                "early_stop": dict(self.early),
            },
        }

    def stop_reason(self, step: int) -> str | None:
        config = self.config
        if step % config.eval_every:
            return None
        total, count = self.window
        self.window = (0.0, 0)
        scores: dict[str, float] = {}
        if self.held_out is not None:
            what = f"held-out keyframe {self.held_out.name} L1"
            value = keyframe_l1(self.model, self.held_out, self.device)
            self.model.train()
        elif self.held_out_frames:
            self.scores = scores = self.held_out_frames.scores(self.model, self.device)
            self.model.train()
            what, value = "held-out L1 against the teacher", scores["l1"]
        else:
            what, value = "training loss", total / max(count, 1)
        early = self.early
        early["records"] = [*early["records"], {"step": step, "validation": value, **scores}]
        if value < early["best"] * (1 - config.min_delta):
            early.update(best=value, best_step=step, bad=0)
        else:
            early["bad"] += 1
        also = f"; PSNR {scores['psnr']:.2f} dB, SSIM {scores['ssim']:.4f}" if scores else ""
        log.info(
            "step %d: %s %.4g (best %.4g at step %d)%s", step, what, value, early["best"], early["best_step"], also
        )
        if config.patience and early["bad"] >= config.patience:
            return (
                f"{what} has not improved by {100 * config.min_delta:g}% for {early['bad']} validations "
                f"(best {early['best']:.4g} at step {early['best_step']})"
            )
        return None

    def progress_fields(self) -> dict[str, str]:
        if not self.scores:
            return {}
        return {"held-out PSNR": f"{self.scores['psnr']:.2f}", "SSIM": f"{self.scores['ssim']:.3f}"}

    def preview(self) -> np.ndarray:
        """frame | stylized | nearest painted keyframe (with a teacher: frame | teacher | student, on a frame
        never trained on), scaled to PREVIEW_HEIGHT when taller."""
        frame_path = self.layout.frames[self.preview_index]
        x = load_input(frame_path, self.layout.guide_paths(frame_path))
        self.model.eval()
        with torch.no_grad():
            output = self.model(x[None].to(self.device)).float().clamp(-1, 1)
        stylized = unit_tensor_to_image(output.add(1).div(2))
        frame = load_rgb(frame_path)
        if self.teacher_data is not None:
            held = " (held out)" if self.preview_index in self.teacher_data.split.held_out else ""
            teacher = self.teacher_data.teacher.stylize(frame)
            return _strip([(f"{frame_path.name}{held}", frame), ("teacher", teacher), ("student", stylized)])
        painted = min(
            self.layout.keyframes,
            key=lambda k: (
                abs(self.layout.frame_index(k.name) - self.preview_index) if k.name in self._frame_names else math.inf
            ),
        )
        tiles = [
            (frame_path.name, frame),
            ("stylized", stylized),
            (f"keyframe {painted.name}", load_rgb(painted.target)),
        ]
        return _strip(tiles)

    def describe(self, total_steps: int, world_size: int) -> str:
        config = self.config
        held = f", holding out keyframe {self.held_out.name}" if self.held_out else ""
        if self.teacher_data is not None:
            scored = len(self.held_out_frames or ())
            held = f" painted by teacher {self.teacher_data.teacher.name}, scoring {scored} held-out frames"
        stop = f", time limit {config.time_limit:g} s" if config.time_limit else ""
        return (
            f"training {self.preset or 'few-shot generator'} ({self.model.config()}) on "
            f"{len(self.training_keyframes)} keyframe(s) of a {len(self.layout.frames)}-frame sequence{held}: "
            f"up to {total_steps} steps of {config.batch_size} x {config.patch_size}px patches{stop}, "
            f"device {self.device}" + (f", {world_size} processes" if world_size > 1 else "")
        )

    def resume_command(self, checkpoint: Path) -> str:
        return f"stylebridge train fewshot --resume {checkpoint}"

    def finish(self) -> None:
        self.l1_after = self._keyframe_errors()
        log.info("keyframe L1 after training (8-bit levels): %s", _levels(self.l1_after))
        if self.held_out_frames:
            self.scores = self.held_out_frames.scores(self.model, self.device)
            log.info("held-out frames against the teacher after training: %s", _scores(self.scores))
        records = {
            "validation": self.early["records"],
            "keyframe_l1_before": self.l1_before,
            "keyframe_l1_after": self.l1_after,
            "held_out": self.held_out.name if self.held_out else None,
            "held_out_scores_before": self.scores_before,
            "held_out_scores_after": self.scores,
        }
        atomic_write_text(Path(self.config.out) / "validation.json", json.dumps(records, indent=1))


def _levels(errors: dict[str, float]) -> str:
    return ", ".join(f"{name} {value:.2f}" for name, value in errors.items())


def _scores(scores: dict[str, float]) -> str:
    return f"PSNR {scores['psnr']:.2f} dB, SSIM {scores['ssim']:.4f}, L1 {scores['l1']:.2f} levels (means)"


def _strip(tiles: list[tuple[str, np.ndarray]]) -> np.ndarray:
    height = min(PREVIEW_HEIGHT, tiles[0][1].shape[0])
    scaled = []
    for label, image in tiles:
        width = max(1, round(image.shape[1] * height / image.shape[0]))
        picture = Image.fromarray(image).resize((width, height), Image.Resampling.LANCZOS)
        ImageDraw.Draw(picture).text((4, height - 14), label, fill=(255, 255, 255))
        scaled.append(np.asarray(picture))
    return np.concatenate(scaled, axis=1)
