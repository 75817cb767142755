"""`stylebridge validate`: is an .onnx fit for Unity Barracuda? (and, with its checkpoint, faithful?)"""

from __future__ import annotations

import argparse

from pipeline.cli.commands.common import resolution
from pipeline.export.parity import DEFAULT_PARITY_SIZES
from pipeline.export.validate import validate_file


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "validate",
        help="check an .onnx against Barracuda's importer (and PyTorch, given the checkpoint)",
        description=(
            "Check any .onnx (ours or not) for Unity Barracuda: onnx.checker, opset, every node against Barracuda's "
            "operators and attribute limits, fp16 tensors, input/output tensors, the pixel contract (metadata or "
            "sidecar MODEL.json) and the size multiple. With --checkpoint, also run ONNX Runtime and PyTorch on "
            "frames of each --size and fail above 1e-4 max abs error on [0,1] (scaled for raw ranges). Each problem "
            "names the node and what to do. Exit status 0 only when there are no errors."
        ),
    )
    parser.add_argument("model", metavar="MODEL.onnx")
    parser.add_argument("--checkpoint", metavar="CKPT", help="the checkpoint it was exported from: adds parity")
    parser.add_argument(
        "--size",
        dest="sizes",
        type=resolution,
        action="append",
        metavar="WxH",
        help="parity frame size; repeat for several (default: "
        + ", ".join(f"{w}x{h}" for w, h in DEFAULT_PARITY_SIZES)
        + ")",
    )
    parser.add_argument("--strict", action="store_true", help="fail on warnings too")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    report = validate_file(args.model, args.checkpoint, args.sizes or DEFAULT_PARITY_SIZES)
    if args.sizes and not args.checkpoint:
        report.notes.append("--size sets the parity check's frames, and parity needs --checkpoint: none was checked")
    print(report.describe())
    return 0 if report.ok and not (args.strict and report.warnings) else 1
