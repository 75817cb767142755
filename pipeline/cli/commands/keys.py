"""`stylebridge keys`: create the CURVE keys a bridge on a non-loopback address needs."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from bridge.security import AUTHORIZED, generate_keys

log = logging.getLogger(__name__)


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "keys",
        help="create CURVE keys for `serve --curve-keys`",
        description=(
            f"Write a server key pair and a client key pair into DIR (ZeroMQ CURVE). Start the server with "
            f"`stylebridge serve --curve-keys DIR`; give each client server.key and its own client key pair. "
            f"Only clients whose public key is in DIR/{AUTHORIZED}/ are let in."
        ),
    )
    parser.add_argument("folder", type=Path, metavar="DIR", help="a new folder for the keys")
    parser.add_argument("--client-name", default="client", help="file name of the client key pair")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    folder = generate_keys(args.folder, args.client_name)
    log.info("wrote server and client keys to %s; keep the .key_secret files private", folder)
    return 0
