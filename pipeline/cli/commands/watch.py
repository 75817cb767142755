"""`stylebridge watch`: export, validate and deploy every new checkpoint of a training run (hot swap)."""

from __future__ import annotations

import argparse
from pathlib import Path

from pipeline.cli.commands.deploy import add_deploy_options
from pipeline.cli.commands.export import add_graph_options
from pipeline.unity.watch import DEFAULT_SETTLE_SECONDS, CheckpointWatcher, DeploySettings, default_model_name


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "watch",
        help="deploy each new checkpoint of a run into a Unity project (hot-swap feed)",
        description=(
            "Watch CHECKPOINT_DIR (for example runs/NAME/checkpoints) and, whenever a checkpoint appears or "
            "changes, wait until it is completely written, then export, validate and deploy it into the Unity "
            "project. A burst of checkpoints deploys only the newest; a corrupt checkpoint is logged and the last "
            "good model stays deployed; a restart does not redeploy the current model. Ctrl-C stops it."
        ),
    )
    parser.add_argument("checkpoint_dir", metavar="CHECKPOINT_DIR")
    add_deploy_options(parser)
    add_graph_options(parser)
    parser.add_argument(
        "--settle",
        type=float,
        default=DEFAULT_SETTLE_SECONDS,
        metavar="SECONDS",
        help="quiet time before a checkpoint counts as completely written",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    settings = DeploySettings(
        Path(args.unity_project),
        args.name or default_model_name(args.checkpoint_dir),
        models_dir=args.models_dir,
        keep=args.keep,
        io_mode=args.io,
        opset=args.opset,
    )
    CheckpointWatcher(args.checkpoint_dir, settings, args.settle).run_until_interrupted()
    return 0
