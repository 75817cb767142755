"""`stylebridge flicker`: how much a stylized sequence flickers where its source holds still."""

from __future__ import annotations

import argparse
import json
import math
from dataclasses import asdict

from pipeline.core.fileio import atomic_write_text
from pipeline.inference.flicker import DEFAULT_THRESHOLD, measure_flicker


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "flicker",
        help="temporal flicker of a stylized sequence against its source frames",
        description=(
            "For each pair of consecutive frames, the pixels where the source changed by at most --threshold levels "
            "in every channel are static; flicker is the mean absolute change of the stylized frames over all static "
            "pixels of all pairs, in 8-bit levels (0 = perfectly stable). The same number for the source is printed "
            "as the floor. Frames pair up by name (any image suffix), in the source's natural order."
        ),
    )
    parser.add_argument("stylized", metavar="STYLIZED_DIR", help="the stylized frames")
    parser.add_argument("--source", required=True, metavar="FRAMES_DIR", help="the frames they were stylized from")
    parser.add_argument(
        "--threshold", type=int, default=DEFAULT_THRESHOLD, help="largest source change (8-bit levels) still static"
    )
    parser.add_argument("--json", metavar="FILE", help="also write the numbers, per pair included, as JSON")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    result = measure_flicker(args.stylized, args.source, args.threshold)
    print(result.describe())
    if args.json:
        numbers = {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in asdict(result).items()}
        numbers["per_pair"] = [None if math.isnan(v) else v for v in result.per_pair]
        atomic_write_text(args.json, json.dumps(numbers, indent=1))
    return 0
