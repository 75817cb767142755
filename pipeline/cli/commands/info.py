"""`stylebridge info`: parameters, size, cost and pixel contract of a model."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from pathlib import Path

from pipeline.cli.commands.common import resolution
from pipeline.models import create_model, list_models
from pipeline.models.checkpoint import load_checkpoint
from pipeline.models.info import model_info


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "info",
        help="size, cost and pixel contract of a preset or checkpoint",
        description=(
            "Print parameters, size in MB, multiply-adds at a resolution and the pixel contract of a model. "
            f"MODEL is a checkpoint file or one of: {', '.join(list_models())}."
        ),
    )
    parser.add_argument("model", metavar="MODEL_OR_PRESET")
    parser.add_argument(
        "--resolution",
        type=resolution,
        default=(960, 540),
        help="WIDTHxHEIGHT for the cost (default 960x540)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if Path(args.model).is_file():
        checkpoint = load_checkpoint(args.model)
        model, name = checkpoint.build_model(), f"{args.model} [{checkpoint.name}, {checkpoint.source}]"
    else:
        model, name = create_model(args.model), args.model
    width, height = args.resolution
    info = model_info(model, name, width, height)
    if args.json:
        print(json.dumps({**asdict(info), "contract": info.contract.to_dict()}, indent=2))
    else:
        print(info.describe())
    return 0
