"""`stylebridge demo`: the main job on built-in data."""

from __future__ import annotations

import argparse
from pathlib import Path

from pipeline.cli.commands.common import add_device
from pipeline.cli.demo import DEMO_IMAGE_SIZE, DEMO_STEPS, run_demo
from pipeline.cli.demo_fewshot import TIME_LIMIT, run_fewshot_demo, summary


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "demo",
        help="run the whole workflow on built-in data (a few minutes on a CPU)",
        description=(
            "Draw a small set of game-like frames and a style image, train the tiny TransformerNet on them "
            "and write checkpoints, previews and a contact sheet to --out; then export the model to ONNX, deploy "
            "it into a bare Unity project folder there, and send the test frame through a live ZeroMQ bridge "
            "with an A/B comparison of PyTorch and ONNX Runtime. Uses ImageNet VGG-19 weights when "
            "they are cached or downloadable; otherwise warns loudly and uses a random-filter loss network."
        ),
    )
    parser.add_argument(
        "part",
        nargs="?",
        choices=("fast", "fewshot"),
        default="fast",
        help="fewshot: train the few-shot generator on two painted keyframes of a rendered sequence, stylize it, "
        "measure flicker (written to OUT/fewshot)",
    )
    parser.add_argument("--out", default="stylebridge-demo", help="folder for everything the demo writes")
    parser.add_argument("--time-limit", type=float, default=TIME_LIMIT, help="seconds of training (fewshot)")
    parser.add_argument("--steps", type=int, default=DEMO_STEPS, help="training steps")
    parser.add_argument("--image-size", type=int, default=DEMO_IMAGE_SIZE, help="side of the square training crops")
    parser.add_argument("--vgg-weights", help="VGG-19 state_dict path or 'random' (default: ImageNet if available)")
    add_device(parser)
    parser.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bars")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.part == "fewshot":
        demo = run_fewshot_demo(Path(args.out) / "fewshot", args.time_limit, args.vgg_weights, args.device,
                                progress=args.progress)  # fmt: skip
        print(summary(demo))
        return 0
    result = run_demo(
        args.out, args.steps, args.image_size, vgg_weights=args.vgg_weights, device=args.device, progress=args.progress
    )
    scores = result.scores
    print(
        f"\nstylebridge demo finished in {result.folder}/\n"
        f"  checkpoint       {result.train.final_checkpoint}\n"
        f"  preview          {result.train.preview}\n"
        f"  contact sheet    {result.sheet}\n"
        f"  loss network     {result.vgg_weights} VGG-19\n"
        f"  throughput       {result.train.items_per_second:.1f} images/s\n"
        f"  style, measured on the stylized test frame:\n"
        f"    palette        {scores.colour_closer:.2f}x closer to the style image's colours than the input's "
        f"(sliced Wasserstein {scores.colour_before:.3f} -> {scores.colour_after:.3f}; > 1 = closer)\n"
        f"    fine detail    {scores.detail_ratio:.2f}x the input's high-frequency energy (< 1 = blurred)\n"
        f"{result.shipped.describe()}"
    )
    return 0
