"""The chromium decision shared by the report tests (a plain module: tests/ is not a package, and every
folder's conftest.py is a module named conftest)."""

from __future__ import annotations

import os

import pytest

from pipeline.core.chromium import find_chromium


def require_chromium() -> str:
    """Debian's chromium, for tests that render a report in a real browser. Skips where it is missing, except
    under CI (CI set), where a missing chromium fails the test: .ci/run installs it."""
    binary = find_chromium()
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("CI is set but chromium is not installed: .ci/run must `apt-get install -y chromium`")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium); CI installs it")
    return binary
