"""`stylebridge stylize`: run a model on an image or a folder of images."""

from __future__ import annotations

import argparse
import logging

from pipeline.cli.commands.common import add_device
from pipeline.inference.files import load_stylizer, stylize_files

log = logging.getLogger(__name__)


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "stylize",
        help="stylize an image or a folder of images",
        description=(
            "Run a model on INPUT (an image, or a folder tree of images) and write the result to OUT "
            "(a file, or a folder that mirrors INPUT). Any image size works, down to 1x1: inputs are padded to "
            "the model's size multiple and minimum size and cropped back (a model exported with --static takes "
            "only its own size)."
        ),
    )
    parser.add_argument(
        "model", metavar="MODEL", help="a checkpoint (stylebridge, pytorch/examples or tutorial) or an exported .onnx"
    )
    parser.add_argument("input", metavar="INPUT", help="an image or a folder")
    parser.add_argument("-o", "--output", required=True, metavar="OUT", help="output image or folder")
    add_device(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    written = stylize_files(load_stylizer(args.model, args.device), args.input, args.output)
    log.info("wrote %d image(s) to %s", len(written), args.output)
    return 0
