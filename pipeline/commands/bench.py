"""`stylebridge bench`: measured comparisons against a baseline from the same run."""

from __future__ import annotations

import argparse

from pipeline.bench_train import run_train_benchmark
from pipeline.commands.common import add_device


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
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    train.add_argument("--preset", default="tiny", help="TransformerNet preset")
    train.add_argument("--steps", type=int, default=30, help="timed steps per side (after warm-up)")
    train.add_argument("--warmup", type=int, default=3, help="untimed steps per side")
    train.add_argument("--image-size", type=int, default=128)
    train.add_argument("--batch-size", type=int, default=4)
    add_device(train)
    train.set_defaults(run=run_train)


def run_train(args: argparse.Namespace) -> int:
    print(run_train_benchmark(args.preset, args.steps, args.warmup, args.image_size, args.batch_size, args.device))
    return 0
