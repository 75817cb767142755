"""`stylebridge train fast`: train a TransformerNet against a style image."""

from __future__ import annotations

import argparse
import functools
import os
from collections.abc import Callable
from dataclasses import MISSING, fields
from pathlib import Path
from typing import Any

from pipeline.cli.commands.common import HelpFormatter, add_device, int_triple
from pipeline.models.registry import presets_for
from pipeline.training.fast import FastTrainConfig, train_fast
from pipeline.training.fewshot import FewShotTrainConfig, train_fewshot
from pipeline.training.loop import TrainResult
from pipeline.training.vgg import STYLE_LAYER_SETS
from pipeline.unity.watch import CheckpointWatcher, DeploySettings, default_model_name, export_and_deploy

# What `--help` shows as defaults: the config dataclasses', the single source of them (the options' own is SUPPRESS).
CONFIG_DEFAULTS = {f.name: f.default for f in fields(FastTrainConfig) if f.default is not MISSING}
FEWSHOT_DEFAULTS = {f.name: f.default for f in fields(FewShotTrainConfig) if f.default is not MISSING}


def add_parser(commands: argparse._SubParsersAction) -> None:
    train = commands.add_parser("train", help="train a stylization model", description="Train a stylization model.")
    kinds = train.add_subparsers(dest="kind", required=True, metavar="KIND")
    fast = kinds.add_parser(
        "fast",
        help="fast neural style: TransformerNet + VGG-19 perceptual loss",
        description=(
            "Train a fast-style TransformerNet (Johnson et al.) on a folder of content images against one "
            "style image. Writes checkpoints (each with a preview PNG) and final.pt/final.png to --out. "
            "Launch with `torchrun --nproc_per_node N -m pipeline train fast ...` for data-parallel training. "
            "With --resume the run continues with the settings saved in the checkpoint; options given beside it "
            "replace them (each one that differs is warned about)."
        ),
        formatter_class=functools.partial(HelpFormatter, defaults=CONFIG_DEFAULTS),
        # Only the options typed reach the namespace, so a resumed run can tell them from defaults.
        argument_default=argparse.SUPPRESS,
    )
    fast.add_argument(
        "--data", help="folder tree of content images (COCO train2014, game frames); required unless --resume"
    )
    fast.add_argument("--style", help="the style image; required unless --resume")
    fast.add_argument("--out", help="run folder for checkpoints and previews; required unless --resume")
    fast.add_argument("--preset", choices=presets_for("fast"), help="model size")
    fast.add_argument("--filters", type=int_triple, help="override widths, e.g. 8,16,32")
    fast.add_argument("--res-blocks", type=int, help="override the number of residual blocks")
    fast.add_argument(
        "--variant",
        choices=("tutorial", "examples"),
        help="tutorial: the Unity workflow's net (extra skips); examples: pytorch/examples' net",
    )
    fast.add_argument("--image-size", type=int, help="side of the square training crops (a multiple of 4)")
    fast.add_argument("--batch-size", type=int, help="images per step (per process)")
    fast.add_argument("--epochs", type=int, help="passes over the data")
    fast.add_argument("--max-steps", type=int, help="stop after this many steps in total")
    fast.add_argument("--lr", type=float, help="Adam learning rate")
    fast.add_argument(
        "--content-weight", type=float, help="weight of the relu2_2 content loss (ImageNet 1e5; random filters 1)"
    )
    fast.add_argument(
        "--style-weight",
        type=float,
        help="weight of the style loss: ImageNet's Gram loss 1e10 (try 5e8..1e11); random filters' relative loss 1",
    )
    fast.add_argument("--style-size", type=int, help="resize the style image to a square of this side")
    fast.add_argument(
        "--style-layers",
        choices=tuple(STYLE_LAYER_SETS),
        help="tutorial: relu1_2,2_2,3_4,4_4,5_4 of VGG-19; examples: relu1_2,2_2,3_3,4_3 (pytorch/examples)",
    )
    fast.add_argument("--checkpoint-every", type=int, help="steps between checkpoints")
    fast.add_argument("--log-every", type=int, help="steps between loss log lines")
    fast.add_argument("--test-image", help="image stylized into a preview PNG beside each checkpoint")
    fast.add_argument(
        "--resume",
        metavar="CHECKPOINT",
        help="continue this checkpoint's run: its model, optimizer, step, loss history and training settings",
    )
    fast.add_argument("--seed", type=int, help="seed for initialisation and data order")
    add_device(fast)
    fast.add_argument(
        "--workers", type=int, help="data-loading worker processes (default: none on a CPU, up to 4 beside a GPU)"
    )
    fast.add_argument(
        "--vgg-weights",
        help="torchvision VGG-19 state_dict path, or 'random' for random filters "
        "(default: ImageNet weights from the torch hub cache, downloaded if missing)",
    )
    fast.add_argument("--no-amp", dest="amp", action="store_false", help="disable mixed precision on CUDA")
    fast.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")
    fast.add_argument(
        "--deploy-to",
        default=None,
        metavar="UNITY_PROJECT",
        help="hot-swap feed: export, validate and deploy each checkpoint, then the final one, into this Unity "
        "project's Assets/StyleBridge/Models as it is written (as `stylebridge watch` does)",
    )
    fast.set_defaults(run=run_fast)
    add_fewshot_parser(kinds)


def run_fast(args: argparse.Namespace) -> int:
    """The namespace holds only the options typed (the parser's default is SUPPRESS): a resumed run takes
    the others from its checkpoint, a new run from FastTrainConfig's defaults."""
    config = FastTrainConfig.from_options(vars(args))
    main_process = int(os.environ.get("RANK", "0")) == 0  # under torchrun only rank 0 writes checkpoints
    result = train_and_deploy(config, Path(args.deploy_to)) if args.deploy_to and main_process else train_fast(config)
    print(f"final checkpoint: {result.final_checkpoint}\npreview:          {result.preview}")
    return 0


def train_and_deploy(
    config: FastTrainConfig | FewShotTrainConfig, unity_project: Path, train: Callable[[Any], TrainResult] = train_fast
) -> TrainResult:
    """Train with a watcher deploying the run's checkpoints; deploy the final checkpoint at the end."""
    config.validate()  # before the run folder is made for the watcher
    checkpoints = Path(config.out) / "checkpoints"
    checkpoints.mkdir(parents=True, exist_ok=True)
    settings = DeploySettings(unity_project, name=default_model_name(checkpoints))
    watcher = CheckpointWatcher(checkpoints, settings)  # refuses a folder that is not a Unity project
    watcher.start()
    try:
        result = train(config)
    finally:
        watcher.stop()
    export_and_deploy(result.final_checkpoint, settings)
    return result


def add_fewshot_parser(kinds: argparse._SubParsersAction) -> None:
    fewshot = kinds.add_parser(
        "fewshot",
        help="few-shot patch-based video stylization: a generator trained on a few painted keyframes",
        description=(
            "Train Texler et al.'s few-shot generator on patches of a few painted keyframes of a sequence, then "
            "stylize every frame with `stylebridge stylize final.pt FRAMES -o OUT`. Layout: --frames holds every "
            "frame, --keyframes the paintings named like their frames, --masks optional masks (white = painting "
            "valid); or --keyframes SEQ_train in the few-shot authors' layout (input_filtered|input, output, mask; "
            "frames from SEQ_gen). Or let a teacher paint them: --teacher MODEL (a fast-style checkpoint or .onnx) "
            "stylizes chosen frames of --frames (a folder of frames, or a `serve --capture-dir` folder, in its "
            "manifest's order), and held-out frames it also stylizes score the student (PSNR/SSIM on the progress "
            "bar; previews show frame | teacher | student). Training stops by itself: --max-steps, --time-limit, or "
            "when the validation loss (held-out frames against the teacher, else the held-out keyframe with 2+ "
            "keyframes, else the training loss) stops improving. With --resume the run continues with the settings "
            "saved in the checkpoint; options given beside it replace them."
        ),
        formatter_class=functools.partial(HelpFormatter, defaults=FEWSHOT_DEFAULTS),
        argument_default=argparse.SUPPRESS,
    )
    data = fewshot.add_argument_group("data")
    data.add_argument(
        "--keyframes",
        metavar="DIR|K",
        help="painted keyframes, or the authors' SEQ_train folder; with --teacher: how many keyframes to choose, "
        "most distinct views first (farthest-point sampling of frame thumbnails; default 8)",
    )
    data.add_argument(
        "--frames",
        help="every frame of the sequence (default with SEQ_train: SEQ_gen/input_filtered); with --teacher also a "
        "`serve --capture-dir` folder",
    )
    data.add_argument("--masks", help="masks named like their frames, white = painting valid (default: whole frame)")
    data.add_argument(
        "--guides",
        nargs="+",
        metavar="DIR",
        help="folders of per-frame guide images named like the frames (with SEQ_train: sub-folder names)",
    )
    data.add_argument("--out", help="run folder for checkpoints and previews; required unless --resume")
    data.add_argument("--preview-frame", help="the frame previewed (default: the one farthest from any keyframe)")
    teacher = fewshot.add_argument_group(
        "a teacher instead of a painter",
        "A fast-style model paints the keyframes; its outputs are cached under --teacher-cache by the hashes of the "
        "frame's pixels and of the teacher's file, so a second run recomputes nothing.",
    )
    teacher.add_argument(
        "--teacher", metavar="MODEL", help="fast-style checkpoint (`train fast`) or its exported .onnx"
    )
    teacher.add_argument("--keyframes-every", type=int, metavar="N", help="every N-th frame is a keyframe")
    teacher.add_argument(
        "--keyframes-at",
        type=_names,
        metavar="LIST",
        help="these frames are the keyframes: comma-separated frame names or 0-based positions, e.g. 0,12,40",
    )
    teacher.add_argument(
        "--holdout-frames",
        type=int,
        metavar="N",
        help="frames spread over the sequence, never keyframes, scored against the teacher (0: none)",
    )
    teacher.add_argument(
        "--capture-source", metavar="NAME", help="only the frames of this source of a capture folder (its manifest)"
    )
    teacher.add_argument(
        "--teacher-cache",
        metavar="DIR",
        help="where teacher outputs are cached (default: $STYLEBRIDGE_CACHE/teacher, else "
        "~/.cache/stylebridge/teacher; safe to delete)",
    )
    model = fewshot.add_argument_group("model")
    model.add_argument("--preset", choices=presets_for("fewshot"), help="generator size")
    model.add_argument("--filters", type=_six_ints, help="override the six widths, e.g. 16,32,64,64,64,32")
    model.add_argument("--resnet-blocks", type=int, help="override the number of residual blocks")
    method = fewshot.add_argument_group("the paper's method")
    method.add_argument("--patch-size", type=int, help="side of the square training patches")
    method.add_argument("--batch-size", type=int, help="patches per step")
    method.add_argument("--erosion", type=int, help="patch centres lie in the mask eroded by this box")
    method.add_argument("--l1-weight", type=float, help="weight of the L1 reconstruction loss")
    method.add_argument("--perceptual-weight", type=float, help="weight of the VGG-19 feature loss")
    method.add_argument("--adversarial-weight", type=float, help="weight of the LSGAN loss")
    method.add_argument("--lr", type=float, help="Adam learning rate (generator and discriminator)")
    method.add_argument("--beta1", type=float, help="Adam beta1")
    method.add_argument("--beta2", type=float, help="Adam beta2")
    method.add_argument("--weight-decay", type=float, help="Adam weight decay")
    method.add_argument("--disc-filters", type=int, help="discriminator width")
    method.add_argument("--disc-layers", type=int, help="discriminator stride-2 layers")
    method.add_argument(
        "--vgg-weights",
        help="torchvision VGG-19 state_dict path, or 'random' (default: ImageNet weights from the torch hub cache)",
    )
    stop = fewshot.add_argument_group("stopping")
    stop.add_argument("--max-steps", type=int, help="stop after this many steps")
    stop.add_argument("--time-limit", type=duration, help="stop after this long: seconds, or 90s, 10m, 1.5h")
    stop.add_argument(
        "--holdout", help="keyframe kept out of training to measure generalisation: auto (the last of 2+), none, NAME"
    )
    stop.add_argument("--eval-every", type=int, help="steps between validations")
    stop.add_argument("--patience", type=int, help="validations without improvement before stopping (0: never)")
    stop.add_argument("--min-delta", type=float, help="relative improvement that counts")
    run = fewshot.add_argument_group("bookkeeping")
    run.add_argument("--checkpoint-every", type=int, help="steps between checkpoints (each with a preview strip)")
    run.add_argument("--log-every", type=int, help="steps between loss log lines")
    run.add_argument(
        "--resume",
        metavar="CHECKPOINT",
        help="continue this checkpoint's run (or start from a foreign generator's weights)",
    )
    run.add_argument(
        "--trust-pickle",
        action="store_true",
        help="load whole pickled modules (the authors' model_*.pth); unpickling runs code: trusted files only",
    )
    run.add_argument("--seed", type=int, help="seed for initialisation and patches")
    add_device(run)
    run.add_argument("--no-amp", dest="amp", action="store_false", help="disable mixed precision on CUDA")
    run.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")
    run.add_argument(
        "--deploy-to",
        default=None,
        metavar="UNITY_PROJECT",
        help="export, validate and deploy each checkpoint, then the final one, into this Unity project",
    )
    fewshot.set_defaults(run=run_fewshot)


def run_fewshot(args: argparse.Namespace) -> int:
    config = FewShotTrainConfig.from_options(vars(args))
    main_process = int(os.environ.get("RANK", "0")) == 0  # under torchrun only rank 0 writes checkpoints
    deploy = args.deploy_to and main_process
    result = train_and_deploy(config, Path(args.deploy_to), train_fewshot) if deploy else train_fewshot(config)
    before, after = result.keyframe_l1_before, result.keyframe_l1_after  # type: ignore[attr-defined]
    errors = "  ".join(f"{name} {before[name]:.2f} -> {after[name]:.2f}" for name in after)
    frames = config.frames or "FRAMES"
    lines = [
        f"final checkpoint: {result.final_checkpoint}",
        f"preview:          {result.preview}",
        f"steps:            {result.steps}" + (f" (stopped: {result.stop_reason})" if result.stop_reason else ""),
        f"keyframe L1 (8-bit levels, before -> after): {errors}",
    ]
    held_before, held_after = result.held_out_scores_before, result.held_out_scores_after  # type: ignore[attr-defined]
    if held_after:
        lines.append(
            f"held-out frames vs the teacher (before -> after): PSNR {held_before['psnr']:.2f} -> "
            f"{held_after['psnr']:.2f} dB, SSIM {held_before['ssim']:.4f} -> {held_after['ssim']:.4f}"
        )
        lines.append(f"evaluate it:      stylebridge evaluate {result.final_checkpoint} --teacher {config.teacher} "
                     f"--frames {frames}")  # fmt: skip
    lines.append(f"stylize the sequence: stylebridge stylize {result.final_checkpoint} {frames} -o OUT")
    print("\n".join(lines))
    return 0


def duration(text: str) -> float:
    """'90' or '90s' -> 90.0 seconds; '10m' -> 600.0; '1.5h' -> 5400.0."""
    units = {"s": 1, "m": 60, "h": 3600}
    scale = units.get(text[-1:].lower(), 1)
    try:
        return float(text[:-1] if text[-1:].lower() in units else text) * scale
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a duration such as 600, 90s, 10m or 1.5h, got {text!r}") from None


def _names(text: str) -> tuple[str, ...]:
    """'0,12,frame_0040' -> ('0', '12', 'frame_0040')."""
    names = tuple(part.strip() for part in text.split(",") if part.strip())
    if not names:
        raise argparse.ArgumentTypeError(f"expected comma-separated frame names or positions, got {text!r}")
    return names


def _six_ints(text: str) -> tuple[int, ...]:
    try:
        values = tuple(int(part) for part in text.split(","))
    except ValueError:
        values = ()
    if len(values) != 6:
        raise argparse.ArgumentTypeError(f"expected six comma-separated integers, got {text!r}")
    return values
