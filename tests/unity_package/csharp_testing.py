"""Plain helpers shared by the Unity package tests (fixtures live in conftest.py)."""

from __future__ import annotations

import os

import pytest

from pipeline.unity.csharp import CSharpError, MonoTools


def require_mono() -> None:
    """Skip without Mono and NUnit, unless this is CI (`CI=true`), where that is a failure: CI installs them
    (.ci/run), so their absence is a broken build, never a silent skip."""
    try:
        MonoTools.find()
        MonoTools.nunit()
    except CSharpError as exc:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"CI must run the C# tests: {exc}")
        pytest.skip(str(exc))
