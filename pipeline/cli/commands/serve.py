"""`stylebridge serve`: the live frame bridge (ZeroMQ server) for Unity and Python clients."""

from __future__ import annotations

import argparse
import signal
from pathlib import Path

from bridge.backends import BACKENDS, load_backend
from bridge.server import BridgeServer, ServerConfig
from pipeline.cli.commands.common import add_device


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "serve",
        help="serve a model to Unity over ZeroMQ (live frames, A/B compare, capture)",
        description=(
            "Bind a ZeroMQ ROUTER socket and stylize the frames clients send (protocol: bridge/PROTOCOL.md). "
            "The model file or folder is watched: a valid new model is switched to between frames, an "
            "invalid one is refused. Loopback only unless --curve-keys or --insecure. Ctrl-C stops after "
            "queued captures are written."
        ),
    )
    parser.add_argument("--model", type=Path, help="an .onnx file, a checkpoint, or a folder of them (newest wins)")
    parser.add_argument(
        "--backend",
        default="auto",
        choices=BACKENDS,
        help="auto: ONNX Runtime for .onnx, PyTorch for checkpoints; passthrough echoes frames (transport tests)",
    )
    add_device(parser)
    parser.add_argument("--bind", default=ServerConfig.bind, metavar="ENDPOINT", help="ZeroMQ endpoint to bind")
    parser.add_argument("--curve-keys", type=Path, metavar="DIR", help="encrypt and authenticate with the keys in DIR")
    parser.add_argument("--insecure", action="store_true", help="allow a non-loopback bind without CURVE keys")
    parser.add_argument("--capture-dir", type=Path, metavar="DIR", help="where CAPTURE frames go (PNG + manifest)")
    parser.add_argument(
        "--capture-queue", type=int, default=ServerConfig.capture_queue, help="captures waiting to be written, at most"
    )
    parser.add_argument("--compare-dir", type=Path, metavar="DIR", help="where COMPARE side-by-side images go")
    parser.add_argument(
        "--max-in-flight",
        type=int,
        default=ServerConfig.max_in_flight,
        metavar="{1,2}",
        help="frames each client may keep in flight, granted at HELLO: 1 (lockstep: the next frame is sent when the "
        "last result is back) or 2 (pipelined: the next frame waits on the server while one runs, the faster). "
        "A larger value is capped at 2 with a warning: the server holds one running and one waiting frame per "
        "client, so a third could only displace the waiting one and be dropped (bridge/PROTOCOL.md, rule 5)",
    )
    parser.add_argument("--no-watch", action="store_true", help="do not watch the model for changes")
    parser.add_argument(
        "--stats-interval", type=float, default=ServerConfig.stats_interval, help="seconds between stats log lines"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    backend = load_backend(args.backend, args.model, args.device)
    config = ServerConfig(
        bind=args.bind,
        max_in_flight=args.max_in_flight,
        model_root=args.model,
        watch=not args.no_watch,
        backend_kind=args.backend,
        device=args.device,
        capture_dir=args.capture_dir,
        capture_queue=args.capture_queue,
        compare_dir=args.compare_dir,
        curve_keys=args.curve_keys,
        insecure=args.insecure,
        stats_interval=args.stats_interval,
    )
    server = BridgeServer(backend, config)
    signal.signal(signal.SIGTERM, lambda *_: server.stop())
    server.serve_forever()
    return 0
