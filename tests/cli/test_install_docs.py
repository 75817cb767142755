"""The README's CPU-only install names the same requirements as pyproject.toml, with the CPU builds swapped in."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")  # Python 3.11+

ROOT = Path(__file__).resolve().parents[2]
GPU_ONLY = "onnxruntime-gpu"


def _cpu_install_requirements() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"<!-- cpu-only-install -->\n```\n(.*?)```", readme, re.S)
    assert block, "README.md lost its <!-- cpu-only-install --> block"
    requirements = []
    for line in block.group(1).splitlines():
        words = shlex.split(line, comments=True)
        if words[:2] == ["pip", "install"]:
            requirements += [w for w in words[2:] if not w.startswith("-") and not w.startswith("http") and w != "."]
    return requirements


def test_the_cpu_only_install_lists_every_requirement_of_pyproject() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = [r.split(";")[0].strip() for r in project["dependencies"] if not r.startswith(GPU_ONLY)]
    wanted = [r.replace(" ", "") for r in dict.fromkeys(wanted)] + project["optional-dependencies"]["dev"]
    listed = _cpu_install_requirements()
    assert sorted(listed) == sorted(wanted)
    assert not [r for r in listed if r.startswith(GPU_ONLY)]
