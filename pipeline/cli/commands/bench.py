"""`stylebridge bench`: measured comparisons against a baseline from the same run."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from bridge.backends import BACKENDS
from bridge.bench import run_bridge_benchmark
from pipeline.cli.commands.common import add_device, resolution
from pipeline.training.bench import run_train_benchmark
from pipeline.training.distill_bench import DistillSettings, run_distill_benchmark
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
    add_distill_parser(kinds)


def add_distill_parser(kinds: argparse._SubParsersAction) -> None:
    distill = kinds.add_parser(
        "distill",
        help="few-shot students from a fast-style teacher with 1, 4, 16 keyframes: PSNR on unseen frames, flicker, fps",
        description=(
            "Does a small student need many keyframes to cover a whole level? A fast-style teacher (trained here "
            "with random-filter VGG-19, or --teacher) paints keyframes of the built-in game level (or --frames); "
            "fewshot-small and fewshot-reference students are trained with 1, 4 and 16 keyframes for the same "
            "budget and evaluated against the teacher: PSNR/SSIM on the frames no student trained on, flicker "
            "against the teacher's, size and fps. On a CPU the defaults are small frames (128x72) and 120 steps per "
            "student; on a GPU, 512x288 frames and 1500 steps per student."
        ),
    )
    distill.add_argument("--frames", metavar="DIR", help="a folder of frames or a `serve --capture-dir` folder")
    distill.add_argument("--teacher", metavar="MODEL", help="a fast-style checkpoint or .onnx (default: train one)")
    distill.add_argument(
        "--presets", type=_names, metavar="LIST", help="student presets (default: fewshot-small,fewshot-reference)"
    )
    distill.add_argument("--keyframes", type=_counts, metavar="LIST", help="keyframe counts (default: 1,4,16)")
    distill.add_argument("--steps", type=int, help="training steps per student: the budget")
    distill.add_argument(
        "--time-limit", type=float, metavar="SECONDS", help="also stop each student after this long (a time budget)"
    )
    distill.add_argument("--size", type=resolution, metavar="WxH", help="frame size of the built-in level")
    distill.add_argument("--level-frames", type=int, metavar="N", help="frames of the built-in level")
    distill.add_argument("--teacher-steps", type=int, metavar="N", help="steps of the teacher trained here")
    distill.add_argument("--out", metavar="DIR", help="keep the level, teacher, students and cache here")
    distill.add_argument(
        "--threads",
        type=int,
        metavar="N",
        help="PyTorch CPU threads; 1 on a machine shared with other jobs, where threads waiting for each other "
        "make training many times slower (default: PyTorch's choice)",
    )
    add_device(distill)
    distill.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bars")
    distill.set_defaults(run=run_distill)


def run_train(args: argparse.Namespace) -> int:
    if args.trainer == "fewshot":
        preset, batch = args.preset or "fewshot-small", args.batch_size or 40
        print(run_fewshot_benchmark(preset, args.steps, args.warmup, args.patch_size, batch, args.device, args.rounds))
        return 0
    batch = args.batch_size or 4
    print(run_train_benchmark(args.preset or "tiny", args.steps, args.warmup, args.image_size, batch, args.device))
    return 0


def run_distill(args: argparse.Namespace) -> int:
    given = {"frames": args.frames, "teacher": args.teacher, "presets": args.presets, "keyframes": args.keyframes,
             "steps": args.steps, "time_limit": args.time_limit, "level_size": args.size,
             "level_frames": args.level_frames, "teacher_steps": args.teacher_steps, "out": args.out,
             "threads": args.threads, "progress": args.progress}  # fmt: skip
    overrides = {k: v for k, v in given.items() if v is not None}
    settings = DistillSettings.for_device(args.device, **overrides)
    print(run_distill_benchmark(settings).describe())
    return 0


def _names(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


def _counts(text: str) -> tuple[int, ...]:
    try:
        counts = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated keyframe counts such as 1,4,16, got {text!r}"
        ) from None
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError(f"keyframe counts must be at least 1, got {text!r}")
    return counts


def run_bridge(args: argparse.Namespace) -> int:
    width, height = args.resolution
    with tempfile.TemporaryDirectory(prefix="stylebridge-csharp-") as folder:
        csharp = CSharpBench(build_core(Path(folder))) if args.client == "csharp" else None
        print(run_bridge_benchmark(width, height, args.frames, args.model_frames, args.in_flight, args.model,
                                   args.backend, csharp=csharp))  # fmt: skip
    return 0
