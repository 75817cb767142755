"""`stylebridge info`: parameters, size, cost and pixel contract of a model (preset, checkpoint or .onnx)."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from pathlib import Path

from pipeline.cli.commands.common import resolution
from pipeline.export.info import onnx_info
from pipeline.inference.files import is_model_file, is_onnx_file
from pipeline.models import create_model, list_models
from pipeline.models.checkpoint import load_checkpoint
from pipeline.models.info import model_info


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "info",
        help="size, cost and pixel contract of a preset, checkpoint or exported .onnx",
        description=(
            "Print parameters, size in MB, multiply-adds at a resolution and the pixel contract of a model. "
            "MODEL is a checkpoint, an exported .onnx (also: its opset, graph inputs and outputs, file size "
            f"and operators) or one of: {', '.join(list_models())}."
        ),
    )
    parser.add_argument("model", metavar="MODEL_OR_PRESET")
    parser.add_argument(
        "--resolution", type=resolution, default=(960, 540), metavar="WxH", help="frame size for the multiply-adds"
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    width, height = args.resolution
    path = Path(args.model)
    if is_onnx_file(path) and path.is_file():
        description = onnx_info(path, width, height)
        print(json.dumps(description.to_dict(), indent=2) if args.json else description.describe())
        return 0
    if path.is_file():
        checkpoint = load_checkpoint(path)
        model, name = checkpoint.build_model(), f"{args.model} [{checkpoint.name}, {checkpoint.source}]"
    elif is_model_file(path):
        raise FileNotFoundError(f"{path} does not exist")
    else:
        model, name = create_model(args.model), args.model
    info = model_info(model, name, width, height)
    print(json.dumps({**asdict(info), "contract": info.contract.to_dict()}, indent=2) if args.json else info.describe())
    return 0
