"""`stylebridge evaluate STUDENT --teacher MODEL --frames DIR`: a student against its teacher, in numbers."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from pipeline.cli.commands.common import add_device, resolution
from pipeline.core.fileio import atomic_write_text
from pipeline.inference.evaluate import evaluate
from pipeline.inference.evaluate_report import write_evaluation_report
from pipeline.inference.flicker import DEFAULT_THRESHOLD


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "evaluate",
        help="a student model against its teacher: PSNR/SSIM on unseen frames, flicker, size, multiply-adds, fps",
        description=(
            "Stylize every frame of --frames (a folder of frames, or a `serve --capture-dir` folder in its "
            "manifest's order) with the student and the teacher, and report: the student's PSNR and SSIM against "
            "the teacher (PROTOCOL.md's definitions) on the frames it was not trained on (a checkpoint from "
            "`train fewshot --teacher` says which those are), the flicker of each (8-bit levels where the source "
            "holds still; lower is steadier), parameters, size in MB, multiply-adds at --resolution, and frames per "
            "second of each in PyTorch and ONNX Runtime on the CPU (and on CUDA when there is a GPU). The teacher's "
            "outputs come from the same cache `train fewshot --teacher` fills."
        ),
    )
    parser.add_argument("student", metavar="STUDENT", help="the student: a checkpoint (.pt) or an exported .onnx")
    parser.add_argument(
        "--teacher", required=True, metavar="MODEL", help="the fast-style teacher: a checkpoint or its .onnx"
    )
    parser.add_argument(
        "--frames", required=True, metavar="DIR", help="a folder of frames, or a `serve --capture-dir` folder"
    )
    parser.add_argument(
        "-o", "--out", metavar="REPORT.html",
        help="write a self-contained HTML report with pictures here, and the JSON beside it (REPORT.json)",
    )  # fmt: skip
    parser.add_argument("--json", action="store_true", help="print the JSON instead of the text table")
    parser.add_argument(
        "--resolution", type=resolution, default=(960, 540), metavar="WxH", help="frame size for multiply-adds and fps"
    )
    parser.add_argument("--limit", type=int, metavar="N", help="only the first N frames of the sequence")
    parser.add_argument("--capture-source", metavar="NAME", help="only the frames of this source of a capture folder")
    parser.add_argument(
        "--threshold", type=int, default=DEFAULT_THRESHOLD, help="largest source change (8-bit levels) still static"
    )
    parser.add_argument("--fps-seconds", type=float, default=1.0, help="how long each fps measurement runs")
    parser.add_argument("--teacher-cache", metavar="DIR", help="teacher output cache (as for `train fewshot`)")
    add_device(parser)
    parser.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    width, height = args.resolution
    result = evaluate(
        args.student, args.teacher, args.frames, width=width, height=height, capture_source=args.capture_source,
        limit=args.limit, teacher_cache=args.teacher_cache, device=args.device, fps_seconds=args.fps_seconds,
        threshold=args.threshold, progress=args.progress,
    )  # fmt: skip
    numbers = json.dumps(result.to_dict(), indent=1)
    print(numbers if args.json else result.describe())
    if args.out:
        report = write_evaluation_report(args.out, result)
        data = atomic_write_text(Path(args.out).with_suffix(".json"), numbers)
        if not args.json:
            print(f"report: {report}\njson:   {data}")
    return 0
