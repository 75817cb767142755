"""Subcommands of `stylebridge`. Each module's `add_parser` registers one verb (or verb group).

Every parser sets `run`, a function of the parsed arguments returning an exit status.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from pipeline.cli.commands import (
    ab,
    bench,
    demo,
    deploy,
    evaluate,
    export,
    flicker,
    info,
    keys,
    serve,
    stylize,
    train,
    unity,
    validate,
    watch,
)

Subparsers = argparse._SubParsersAction  # what add_subparsers() returns

COMMANDS: list[Callable[[Subparsers], None]] = [
    demo.add_parser,
    train.add_parser,
    stylize.add_parser,
    flicker.add_parser,
    evaluate.add_parser,
    export.add_parser,
    validate.add_parser,
    deploy.add_parser,
    watch.add_parser,
    serve.add_parser,
    keys.add_parser,
    info.add_parser,
    ab.add_parser,
    bench.add_parser,
    unity.add_parser,
]
