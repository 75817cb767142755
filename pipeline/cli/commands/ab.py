"""`stylebridge ab`: why the engine's output of a frame differs from PyTorch's, with the fix."""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

from pipeline.cli.commands.common import add_device
from pipeline.core.errors import StylebridgeError
from pipeline.diagnosis.diagnose import Diagnosis, diagnose
from pipeline.diagnosis.faults import KINDS
from pipeline.diagnosis.graphs import Graph, load_graph
from pipeline.diagnosis.pairs import COLOR_ENCODINGS, ROW_ORDERS, Pair, PairError, find_pairs, load_pair
from pipeline.diagnosis.report import write_index, write_report
from pipeline.export.exporter import IO_MODES

log = logging.getLogger(__name__)


def add_parser(commands: argparse._SubParsersAction) -> None:
    faults = "\n".join(
        f"  {kind.name:18} {kind.what}. Looks like: {kind.symptom}. Fix: {kind.fix}." for kind in KINDS.values()
    )
    parser = commands.add_parser(
        "ab",
        help="A/B diagnosis: why the engine's output differs from PyTorch's, and what to change",
        description=(
            "Run MODEL on a frame the way the engine should and the ways engines commonly get it wrong (every "
            "fault below and every pair of them), compare each with the engine's output for that frame (PSNR and "
            "SSIM as bridge/PROTOCOL.md defines them), and say which one reproduces it and what to change in "
            "Unity; 'matches' when the engine agrees with PyTorch within 8-bit noise. On a CPU, large frames are "
            "searched on a downscaled sample and the best candidates re-scored at full size."
        ),
        epilog=f"faults it knows (each in one line: what goes wrong, the symptom in Unity, the fix):\n{faults}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "model", metavar="MODEL", help="the exported .onnx the engine runs, or its checkpoint (see --io)"
    )
    parser.add_argument("--input", metavar="FRAME", help="the frame the engine was given (PNG)")
    parser.add_argument("--engine", metavar="OUTPUT", help="the engine's output for that frame (PNG)")
    parser.add_argument(
        "--captures",
        metavar="DIR",
        help="diagnose every pair in DIR instead: NAME.png beside NAME.engine.png, or a capture folder whose "
        "manifest.jsonl has source 'input' and 'engine' captures with the same frame_index",
    )
    parser.add_argument(
        "--io",
        choices=IO_MODES,
        default="unit",
        help="for a checkpoint MODEL: how the engine's copy was exported (default: unit); an .onnx says so itself",
    )
    parser.add_argument(
        "--row-order",
        choices=ROW_ORDERS,
        default="top",
        help="how both image files store their rows (bottom_up: a raw readback saved as is)",
    )
    parser.add_argument(
        "--color-encoding",
        choices=COLOR_ENCODINGS,
        default="srgb",
        help="how both image files encode colour (linear: linear-light values saved as is)",
    )
    parser.add_argument(
        "-o", "--output", metavar="REPORT", help="write the HTML report here (with --captures: a folder of reports)"
    )
    parser.add_argument("--json", action="store_true", help="print the diagnosis as one JSON object")
    parser.add_argument("--no-pairs", action="store_true", help="single faults only (faster, misses combined faults)")
    add_device(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    one_pair = args.input is not None or args.engine is not None
    if args.captures and one_pair:
        raise PairError("give either --input and --engine, or --captures, not both")
    if not args.captures and not (args.input and args.engine):
        raise PairError("give --input FRAME and --engine OUTPUT (or --captures DIR for a folder of pairs)")
    graph = load_graph(args.model, args.io, args.device)
    if args.captures:
        return _run_batch(args, graph, find_pairs(args.captures))
    pair = Pair(Path(args.input).stem, Path(args.input), Path(args.engine))
    result = _diagnose(args, graph, pair)
    if args.output:
        log.info("report: %s", write_report(args.output, result, f"A/B diagnosis: {pair.name} on {graph.name}"))
    print(json.dumps(result.to_dict(), indent=2) if args.json else result.summary)
    return 0


def _diagnose(args: argparse.Namespace, graph: Graph, pair: Pair) -> Diagnosis:
    frame, engine = load_pair(pair, args.row_order, args.color_encoding)
    result = diagnose(graph, frame, engine, pairs=not args.no_pairs)
    log.info("%s: %s in %.2f s (%s)", pair.name, result.verdict, result.timing["seconds"], result.search["note"])
    return result


def _run_batch(args: argparse.Namespace, graph: Graph, pairs: list[Pair]) -> int:
    """Diagnose each pair; a pair that cannot be read is reported and skipped, the others still run."""
    results: list[tuple[Pair, Diagnosis]] = []
    skipped: list[dict[str, str]] = []
    for pair in pairs:
        try:
            results.append((pair, _diagnose(args, graph, pair)))
        except StylebridgeError as exc:
            log.warning("skipped %s: %s", pair.name, exc)
            skipped.append({"pair": pair.name, "error": str(exc)})
    if args.output:
        folder = Path(args.output)
        entries = []
        for number, (pair, result) in enumerate(results):
            name = f"{number:04d}.html"
            write_report(folder / name, result, f"A/B diagnosis: {pair.name} on {graph.name}")
            entries.append((pair.name, result, name))
        log.info("reports: %s", write_index(folder / "index.html", entries))
    if args.json:
        body = [{"pair": p.name, "input": str(p.input), "engine": str(p.engine), **r.to_dict()} for p, r in results]
        print(json.dumps({"pairs": body, "skipped": skipped}, indent=2))
    else:
        for pair, result in results:
            print(f"{pair.name}: {result.summary}")
    return 0 if results else 1
