"""The debouncer behind both hot-swap paths: real watchdog events on real files in a temporary folder."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from pipeline.core.filewatch import SettledFile, SettledFileWatcher

SETTLE = 0.3


@pytest.fixture
def batches(tmp_path: Path):
    """A running watcher on tmp_path accepting *.bin files; yields the list of batches it handed over."""
    seen: list[list[SettledFile]] = []
    lock = threading.Lock()

    def on_settled(files: list[SettledFile]) -> None:
        with lock:
            seen.append(files)
        if any(f.path.name == "boom.bin" for f in files):
            raise RuntimeError("a consumer bug")

    watcher = SettledFileWatcher(tmp_path, lambda p: p.suffix == ".bin", on_settled, SETTLE)
    watcher.start()
    yield seen, watcher
    watcher.stop(timeout=5)


def _wait_for(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_a_burst_is_handed_over_once_oldest_first(tmp_path: Path, batches) -> None:
    seen, watcher = batches
    for i, name in enumerate(("a.bin", "b.bin", "c.bin")):
        path = tmp_path / name
        path.write_bytes(b"x" * (i + 1))
        os.utime(path, ns=(1_000_000_000 * (i + 1),) * 2)  # distinct mtimes, oldest first
    (tmp_path / "ignored.txt").write_text("not accepted")
    _wait_for(lambda: bool(seen))
    assert watcher.wait_until_idle(5)
    assert [[f.path.name for f in batch] for batch in seen] == [["a.bin", "b.bin", "c.bin"]]
    assert seen[0][-1].signature == (3, 3_000_000_000)


def test_a_file_still_being_written_waits_until_it_stops_changing(tmp_path: Path, batches) -> None:
    seen, _ = batches
    path = tmp_path / "slow.bin"
    with open(path, "wb") as handle:
        for _ in range(6):  # keeps writing for about 2 quiet periods
            handle.write(b"x" * 1000)
            handle.flush()
            time.sleep(SETTLE / 3)
        assert not seen, "handed over while still being written"
    _wait_for(lambda: bool(seen))
    assert seen[0][0].signature[0] == 6000


def test_a_file_that_vanishes_is_forgotten_and_a_consumer_error_does_not_stop_the_watcher(
    tmp_path: Path, batches
) -> None:
    seen, watcher = batches
    temp = tmp_path / "temp.bin"
    temp.write_bytes(b"half")
    temp.unlink()
    (tmp_path / "boom.bin").write_bytes(b"the consumer raises on this one")
    _wait_for(lambda: len(seen) == 1)
    (tmp_path / "after.bin").write_bytes(b"still watched")
    _wait_for(lambda: len(seen) == 2)
    assert [f.path.name for f in seen[0]] == ["boom.bin"]
    assert [f.path.name for f in seen[1]] == ["after.bin"]
    assert watcher.running
