"""`stylebridge bench`: measured comparisons against a baseline from the same run."""

from __future__ import annotations

import argparse

from bridge.backends import BACKENDS
from bridge.bench import run_bridge_benchmark
from pipeline.cli.commands.common import add_device, resolution
from pipeline.training.bench import run_train_benchmark


def add_parser(commands: argparse._SubParsersAction) -> None:
    bench = commands.add_parser("bench", help="benchmarks", description="Benchmarks that print ratios to a baseline.")
    kinds = bench.add_subparsers(dest="bench", required=True, metavar="BENCH")
    train = kinds.add_parser(
        "train",
        help="our trainer vs a plain pytorch/examples-style loop",
        description=(
            "Train the same model on the same generated data with stylebridge's trainer and with a plain loop "
            "written the way pytorch/examples writes it; print images/s, peak memory and their ratios. Each "
            "side runs in its own process so peak memory is its own."
        ),
    )
    train.add_argument("--preset", default="tiny", help="TransformerNet preset")
    train.add_argument("--steps", type=int, default=30, help="timed steps per side (after warm-up)")
    train.add_argument("--warmup", type=int, default=3, help="untimed steps per side")
    train.add_argument("--image-size", type=int, default=128, help="side of the square training crops")
    train.add_argument("--batch-size", type=int, default=4, help="images per step")
    add_device(train)
    train.set_defaults(run=run_train)
    bridge = kinds.add_parser(
        "bridge",
        help="the frame bridge vs a bare ZeroMQ echo, and vs the model alone",
        description=(
            "Round trips and fps of a bare pyzmq DEALER/ROUTER echo of the same bytes (the floor), the bridge "
            "with the passthrough backend, and the bridge serving a model vs that model timed without the bridge "
            "(a randomly initialised tiny model unless --model). Each server runs in its own process."
        ),
    )
    bridge.add_argument("--resolution", type=resolution, default=(960, 540), help="frame size WIDTHxHEIGHT")
    bridge.add_argument("--frames", type=int, default=300, help="timed frames for the echo and passthrough")
    bridge.add_argument("--model-frames", type=int, default=8, help="timed frames through the model")
    bridge.add_argument("--in-flight", type=int, default=2, help="frames in flight when measuring fps")
    bridge.add_argument("--model", help="an .onnx file or checkpoint (default: a random tiny TransformerNet)")
    bridge.add_argument("--backend", default="auto", choices=[b for b in BACKENDS if b != "passthrough"])
    bridge.set_defaults(run=run_bridge)


def run_train(args: argparse.Namespace) -> int:
    print(run_train_benchmark(args.preset, args.steps, args.warmup, args.image_size, args.batch_size, args.device))
    return 0


def run_bridge(args: argparse.Namespace) -> int:
    width, height = args.resolution
    print(run_bridge_benchmark(width, height, args.frames, args.model_frames, args.in_flight, args.model, args.backend))
    return 0
