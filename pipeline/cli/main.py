"""The `stylebridge` command: one entry point, one subcommand per verb.

Argument parsing and logging set-up live here and in `pipeline.cli.commands`; everything the
commands call is an importable library function that never reads sys.argv.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from pipeline import __version__
from pipeline.cli.commands import COMMANDS
from pipeline.cli.commands.common import CommandParser
from pipeline.core.errors import StylebridgeError

log = logging.getLogger("stylebridge")


def build_parser() -> argparse.ArgumentParser:
    parser = CommandParser(
        prog="stylebridge",
        description=(
            "Train real-time style-transfer models, export them for Unity Barracuda, and keep the "
            "engine's output honest. Run `stylebridge demo` for a first end-to-end run, or "
            "`stylebridge COMMAND --help` for any command."
        ),
    )
    parser.add_argument("--version", action="version", version=f"stylebridge {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging and full tracebacks")
    parser.add_argument("-q", "--quiet", action="store_true", help="warnings and errors only")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add_parser in COMMANDS:
        add_parser(commands)
    return parser


def configure_logging(verbose: bool = False, quiet: bool = False) -> None:
    level = logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)-7s %(name)s: %(message)s", datefmt="%H:%M:%S")


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    configure_logging(args.verbose, args.quiet)
    try:
        return int(args.run(args) or 0)
    except (StylebridgeError, OSError) as exc:  # user errors and files that cannot be read or written
        if args.verbose:
            log.exception("failed")
        else:
            log.error("%s", exc)
        return 1
    except KeyboardInterrupt:
        log.warning("interrupted")
        return 130


if __name__ == "__main__":
    sys.exit(main())
