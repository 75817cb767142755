"""`stylebridge train fast`: train a TransformerNet against a style image."""

from __future__ import annotations

import argparse
import functools
import os
from dataclasses import MISSING, fields
from pathlib import Path

from pipeline.cli.commands.common import HelpFormatter, add_device, int_triple
from pipeline.models.registry import presets_for
from pipeline.training.fast import FastTrainConfig, train_fast
from pipeline.training.loop import TrainResult
from pipeline.training.vgg import STYLE_LAYER_SETS
from pipeline.unity.watch import CheckpointWatcher, DeploySettings, default_model_name, export_and_deploy

# What `--help` shows as defaults: FastTrainConfig's, the single source of them (the options' own is SUPPRESS).
CONFIG_DEFAULTS = {f.name: f.default for f in fields(FastTrainConfig) if f.default is not MISSING}


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
    fast.add_argument("--content-weight", type=float, help="weight of the relu2_2 content loss")
    fast.add_argument("--style-weight", type=float, help="weight of the Gram style loss (try 5e8..1e11)")
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


def run_fast(args: argparse.Namespace) -> int:
    """The namespace holds only the options typed (the parser's default is SUPPRESS): a resumed run takes
    the others from its checkpoint, a new run from FastTrainConfig's defaults."""
    config = FastTrainConfig.from_options(vars(args))
    main_process = int(os.environ.get("RANK", "0")) == 0  # under torchrun only rank 0 writes checkpoints
    result = train_and_deploy(config, Path(args.deploy_to)) if args.deploy_to and main_process else train_fast(config)
    print(f"final checkpoint: {result.final_checkpoint}\npreview:          {result.preview}")
    return 0


def train_and_deploy(config: FastTrainConfig, unity_project: Path) -> TrainResult:
    """Train with a watcher deploying the run's checkpoints; deploy the final checkpoint at the end."""
    config.validate()  # before the run folder is made for the watcher
    checkpoints = Path(config.out) / "checkpoints"
    checkpoints.mkdir(parents=True, exist_ok=True)
    settings = DeploySettings(unity_project, name=default_model_name(checkpoints))
    watcher = CheckpointWatcher(checkpoints, settings)  # refuses a folder that is not a Unity project
    watcher.start()
    try:
        result = train_fast(config)
    finally:
        watcher.stop()
    export_and_deploy(result.final_checkpoint, settings)
    return result
