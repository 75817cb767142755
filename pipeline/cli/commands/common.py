"""Argument types shared by several subcommands."""

from __future__ import annotations

import argparse


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
