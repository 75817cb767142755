"""`stylebridge bench`: measured comparisons against a baseline from the same run."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from bridge.backends import BACKENDS
from bridge.bench import run_bridge_benchmark
from pipeline.cli.commands.common import add_device, resolution
from pipeline.training.bench import run_train_benchmark
from pipeline.training.fewshot_bench import run_fewshot_benchmark
from pipeline.unity.csharp import CSharpBench, build_core


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
    train.add_argument(
        "--trainer",
        choices=("fast", "fewshot"),
        default="fast",
        help="fast: TransformerNet vs pytorch/examples' loop; fewshot: few-shot generator vs the authors' loop",
    )
    train.add_argument("--preset", help="model preset (default: tiny; fewshot-small with --trainer fewshot)")
    train.add_argument("--steps", type=int, default=30, help="timed steps per side (after warm-up)")
    train.add_argument("--warmup", type=int, default=3, help="untimed steps per side")
    train.add_argument("--image-size", type=int, default=128, help="side of the square training crops (fast)")
    train.add_argument("--patch-size", type=int, default=32, help="patch side (fewshot)")
    train.add_argument("--batch-size", type=int, help="images (fast, default 4) or patches (fewshot, default 40)")
    train.add_argument("--rounds", type=int, default=2, help="alternating rounds per side, best kept (fewshot)")
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
    bridge.add_argument(
        "--client", default="python", choices=("python", "csharp"),
        help="csharp: also the Unity package's C# client (built with Mono) against the same passthrough server",
    )  # fmt: skip
    bridge.set_defaults(run=run_bridge)


def run_train(args: argparse.Namespace) -> int:
    if args.trainer == "fewshot":
        preset, batch = args.preset or "fewshot-small", args.batch_size or 40
        print(run_fewshot_benchmark(preset, args.steps, args.warmup, args.patch_size, batch, args.device, args.rounds))
        return 0
    batch = args.batch_size or 4
    print(run_train_benchmark(args.preset or "tiny", args.steps, args.warmup, args.image_size, batch, args.device))
    return 0


def run_bridge(args: argparse.Namespace) -> int:
    width, height = args.resolution
    with tempfile.TemporaryDirectory(prefix="stylebridge-csharp-") as folder:
        csharp = CSharpBench(build_core(Path(folder))) if args.client == "csharp" else None
        print(run_bridge_benchmark(width, height, args.frames, args.model_frames, args.in_flight, args.model,
                                   args.backend, csharp=csharp))  # fmt: skip
    return 0
