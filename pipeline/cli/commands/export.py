"""`stylebridge export`: a checkpoint -> a Barracuda-ready ONNX model, sidecar and reference pair."""

from __future__ import annotations

import argparse

from pipeline.cli.commands.common import resolution
from pipeline.export.barracuda_ops import EXPORT_OPSETS, RECOMMENDED_OPSET
from pipeline.export.exporter import DEFAULT_REFERENCE_SIZE, IO_MODES, export_onnx


def add_graph_options(parser: argparse.ArgumentParser) -> None:
    """--io and --opset: how the exported graph looks (shared by `export` and `watch`)."""
    parser.add_argument(
        "--io",
        default="unit",
        choices=IO_MODES,
        help="unit: the graph takes and returns RGB in [0,1] (contract baked in); raw: the network's own ranges",
    )
    parser.add_argument(
        "--opset",
        type=int,
        default=RECOMMENDED_OPSET,
        choices=EXPORT_OPSETS,
        metavar=f"{EXPORT_OPSETS[0]}..{EXPORT_OPSETS[-1]}",
        help="ONNX opset (9 gives Barracuda the cleanest graph)",
    )


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "export",
        help="export a checkpoint to ONNX for Unity Barracuda (validated, parity checked)",
        description=(
            "Export CHECKPOINT to an ONNX model Unity Barracuda imports: opset 9, fp32, input `input` and output "
            "`output`, H and W dynamic unless --static. Fixes what Barracuda cannot import, writes the pixel contract "
            "into the model's metadata and a sidecar JSON, validates the graph and checks ONNX Runtime against "
            "PyTorch; an invalid model is never written. Beside MODEL.onnx go MODEL.json and a reference pair "
            "(MODEL.reference.png and the graph's float32 input/output) for the Unity-side comparison."
        ),
    )
    parser.add_argument("checkpoint", metavar="CHECKPOINT", help="a stylebridge checkpoint or a bare state_dict")
    parser.add_argument("-o", "--output", required=True, metavar="MODEL.onnx", help="where to write the model")
    add_graph_options(parser)
    parser.add_argument("--static", type=resolution, metavar="WxH", help="fix the input size (default: dynamic H, W)")
    parser.add_argument(
        "--reference-size",
        type=resolution,
        default=DEFAULT_REFERENCE_SIZE,
        metavar="WxH",
        help="size of the reference pair (ignored with --static)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    result = export_onnx(
        args.checkpoint,
        args.output,
        io_mode=args.io,
        opset=args.opset,
        static=args.static,
        reference_size=args.reference_size,
    )
    print(result.report.describe())  # what was checked; the export's summary is logged by export_onnx
    return 0
