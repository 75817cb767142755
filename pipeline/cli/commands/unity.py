"""`stylebridge unity`: set up a Unity project for the stylebridge package."""

from __future__ import annotations

import argparse
from pathlib import Path

from pipeline.unity.native import PLATFORMS
from pipeline.unity.setup import BARRACUDA, PACKAGE_NAME, PLUGINS_DIR, setup_unity_project


def add_parser(commands: argparse._SubParsersAction) -> None:
    unity = commands.add_parser("unity", help="set up a Unity project", description="Unity project tools.")
    verbs = unity.add_subparsers(dest="unity", required=True, metavar="VERB")
    setup = verbs.add_parser(
        "setup",
        help="add the package, Barracuda and the native ZeroMQ library to a Unity project",
        description=(
            f"Add {PACKAGE_NAME} and {BARRACUDA[0]} {BARRACUDA[1]} to Packages/manifest.json, and copy the native "
            f"ZeroMQ library (libzmq with libsodium, from pyzmq) into {PLUGINS_DIR}/<platform>/ under the name the "
            "C# bridge client loads, for this machine's platform and any --platform. Safe to run again: it changes "
            "only what is missing or different, and prints what it changed."
        ),
    )
    setup.add_argument("--unity-project", type=Path, required=True, metavar="DIR", help="the folder holding Assets/")
    setup.add_argument(
        "--package",
        metavar="PATH_OR_URL",
        help="the package to reference: a unity_package folder or a git URL ending in ?path=unity_package "
        "(default: this checkout's unity_package folder)",
    )
    setup.add_argument(
        "--platform",
        action="append",
        default=[],
        choices=list(PLATFORMS),
        help="also install the library for another desktop platform, from its pyzmq wheel on PyPI (repeatable)",
    )
    setup.set_defaults(run=run_setup)


def run_setup(args: argparse.Namespace) -> int:
    report = setup_unity_project(args.unity_project, package=args.package, platforms=args.platform)
    print(report.describe())
    return 1 if report.problems else 0
