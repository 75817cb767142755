"""What every subcommand shares: the parser class and help formatter, and argument types."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from typing import Any


class HelpFormatter(argparse.HelpFormatter):
    """Appends "(default: X)" to an option's help only where X tells the reader something.

    Not for required options, flags (store_true/store_false), positionals, defaults of None or empty, or help
    that already says its default. Sizes read "960x540", tuples "8,16,32", floats in %g. `defaults`
    supplies the shown default of options whose parser default is SUPPRESS (`train fast`, whose
    defaults live in FastTrainConfig).
    """

    def __init__(self, prog: str, *, defaults: Mapping[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(prog, **kwargs)
        self.defaults = dict(defaults or {})

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        if not action.option_strings or action.required or action.nargs == 0 or "(default" in text:
            return action.help
        default = self.defaults.get(action.dest) if action.default is argparse.SUPPRESS else action.default
        if default is None or default is argparse.SUPPRESS or isinstance(default, bool) or default in ("", (), []):
            return action.help
        return f"{text} (default: {_show(default, action)})".lstrip()


def _show(value: Any, action: argparse.Action) -> str:
    if action.type is resolution:
        width, height = value
        return f"{width}x{height}"
    if isinstance(value, (tuple, list)):
        return ",".join(str(v) for v in value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


class CommandParser(argparse.ArgumentParser):
    """The parser of `stylebridge` and of each subcommand (subparsers inherit the class): the shared formatter."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)


def resolution(text: str) -> tuple[int, int]:
    """'960x540' -> (960, 540), width first as Unity and video tools write it."""
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT such as 960x540, got {text!r}") from None
    if width < 1 or height < 1:
        raise argparse.ArgumentTypeError(f"resolution must be positive, got {text!r}")
    return width, height


def int_triple(text: str) -> tuple[int, int, int]:
    """'8,16,32' -> (8, 16, 32)."""
    try:
        values = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected three comma-separated integers, got {text!r}") from None
    if len(values) != 3:
        raise argparse.ArgumentTypeError(f"expected three comma-separated integers, got {text!r}")
    return values  # type: ignore[return-value]


def add_device(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--device",
        default="auto",
        choices=("auto", "cpu", "cuda"),
        help="where to run (default: auto = CUDA if present)",
    )
