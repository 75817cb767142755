"""The layers of the code base, checked: each room imports only the rooms below it (README, "Architecture").

    cli (pipeline/cli: the command and the demo)        top: may use everything
    bridge (the ZeroMQ server and client)   training   unity
    diagnosis (the engine emulator and the A/B diagnosis)
    inference
    export
    models
    core                                                bottom: imports nothing of ours

A new module belongs to the room its folder names; a new room must be added here, with what it may use.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
ALLOWED: dict[str, set[str]] = {
    "core": set(),
    "models": {"core"},
    "export": {"core", "models"},
    "inference": {"core", "models", "export"},
    "training": {"core", "models", "inference"},
    "unity": {"core", "models", "export"},
    "diagnosis": {"core", "models", "export", "inference"},
    "bridge": {"core", "models", "export", "inference", "diagnosis"},
    "cli": {"core", "models", "export", "inference", "training", "unity", "bridge", "diagnosis"},
}


def room_of(module: str) -> str | None:
    """'pipeline.export.validate' -> 'export'; 'bridge.server' -> 'bridge'; 'pipeline' (the version) -> None."""
    parts = module.split(".")
    if parts[0] == "bridge":
        return "bridge"
    if parts[0] == "pipeline" and len(parts) > 1 and parts[1] in ALLOWED:
        return parts[1]
    return None


def imports_of(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in found if name.split(".")[0] in ("pipeline", "bridge")}


SOURCES = sorted([*REPO.glob("pipeline/**/*.py"), *REPO.glob("bridge/**/*.py")])


def test_every_module_lives_in_a_known_room() -> None:
    loose = [str(p.relative_to(REPO)) for p in SOURCES if room_of(_module(p)) is None]
    assert loose == ["pipeline/__init__.py", "pipeline/__main__.py"]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(REPO)))
def test_a_room_imports_only_the_rooms_below_it(path: Path) -> None:
    room = room_of(_module(path)) or "cli"  # pipeline/__main__.py runs the command
    for name in imports_of(path):
        other = room_of(name)
        assert other is None or other == room or other in ALLOWED[room], (
            f"{path.relative_to(REPO)} ({room}) imports {name} ({other}); {room} may use {sorted(ALLOWED[room])}"
        )


def _module(path: Path) -> str:
    return ".".join(path.relative_to(REPO).with_suffix("").parts)
