"""`stylebridge deploy`: copy an exported model into a Unity project as a new, current version."""

from __future__ import annotations

import argparse

from pipeline.unity.deploy import DEFAULT_KEEP, DEFAULT_MODELS_DIR, deploy_model


def add_deploy_options(parser: argparse.ArgumentParser) -> None:
    """Options shared by `deploy` and `watch`."""
    parser.add_argument(
        "--unity-project", required=True, metavar="DIR", help="the Unity project folder (the one holding Assets/)"
    )
    parser.add_argument("--name", help="the model's name in the project (files become NAME_vNNNN.onnx, ...)")
    parser.add_argument(
        "--models-dir", default=DEFAULT_MODELS_DIR, help="deployment folder, relative to the Unity project"
    )
    parser.add_argument("--keep", type=int, default=DEFAULT_KEEP, help="how many versions to keep")


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "deploy",
        help="copy an exported model into a Unity project's Assets folder (hot swap)",
        description=(
            "Validate MODEL.onnx and copy it, its sidecar and its reference pair into the Unity project as a new "
            "version (NAME_vNNNN.*; a deployed file is never rewritten in place, so Unity never reads half a "
            "file). manifest.json in the deployment folder names the current version; the oldest versions beyond "
            "--keep are removed. A model identical to the current version is not deployed again (unless --force)."
        ),
    )
    parser.add_argument("model", metavar="MODEL.onnx")
    add_deploy_options(parser)
    parser.add_argument(
        "--force", action="store_true", help="deploy even a model identical to the current version, as a new version"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    deploy_model(
        args.model, args.unity_project, name=args.name, models_dir=args.models_dir, keep=args.keep, force=args.force
    )
    return 0  # deploy_model logs what it did, once
