"""Frame rates the bridge reports: over a stated span, never 0.0 while frames are being answered."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable

import numpy as np
import pytest
from bridge_testing import noise

from bridge.client import BridgeClient
from bridge.server import BridgeServer
from bridge.stats import FPS_WINDOW, Stats

pytestmark = pytest.mark.timeout(60)


class Clock:
    """A clock the test moves by hand, so rates are exact and nothing sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_fps_of_a_model_slower_than_one_frame_per_two_seconds_is_never_zero() -> None:
    clock = Clock()
    stats = Stats(clock)
    readings = []
    for _ in range(10):  # one RESULT every 3 s, read every 0.5 s in between
        clock.now += 3.0
        stats.count("results")
        for _ in range(6):
            readings.append(stats.fps())
            clock.now += 0.5
        clock.now -= 3.0
    assert min(readings) > 0
    assert np.mean(readings) == pytest.approx(1 / 3, rel=0.25)  # the true rate, within the 5 s window's grain


def test_fps_counts_results_in_the_last_window_and_over_a_young_servers_life() -> None:
    clock = Clock()
    stats = Stats(clock)
    for _ in range(30):  # 30 results in the server's first second
        clock.now += 1 / 30
        stats.count("results")
    assert stats.fps() == pytest.approx(30.0)
    clock.now += 10.0
    stats.count("dropped")  # DROPPED is no result
    assert stats.fps() == 0.0  # nothing stylized in the last 5 s: it really is idle
    for _ in range(50):
        clock.now += 0.1
        stats.count("results")
    assert stats.fps() == pytest.approx(50 / FPS_WINDOW)
    assert stats.snapshot()["fps"] == pytest.approx(10.0)


def test_the_log_line_reports_the_interval_since_the_last_one_and_stays_quiet_when_idle() -> None:
    clock = Clock()
    stats = Stats(clock)
    assert stats.report() is None  # no traffic, no line
    for _ in range(4):
        clock.now += 3.0
        stats.count("frames")
        stats.count("results")
    line = stats.report()
    assert line is not None and line.startswith("4 results in 12.0 s (0.33 fps)")
    assert "frames 4" in line
    clock.now += 60.0
    assert stats.report() is None
    stats.count("results")
    clock.now += 2.0
    assert stats.report().startswith("1 results in 2.0 s (0.50 fps)")  # since the previous report, not line
    assert stats.describe().startswith("5 results in 74.0 s (0.07 fps)")  # the whole life, for the closing line


def test_a_served_frame_shows_in_the_next_stats_log_line(
    start_server: Callable[..., BridgeServer], connect: Callable[..., BridgeClient], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bridge.server")
    server = start_server(stats_interval=0.2)
    frame = noise(np.random.default_rng(0), 8, 8)
    connect(server.endpoint).stylize(frame)
    line = re.compile(r"stats: (\d+) results in ([\d.]+) s \(([\d.]+) fps\)")
    deadline = time.monotonic() + 20
    reported: list[re.Match] = []  # the frame and its result may land in two successive lines
    while sum(int(m.group(1)) for m in reported) < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
        messages = [r.getMessage() for r in caplog.records if r.getMessage().startswith("stats:")]
        reported = [match for message in messages if (match := line.match(message))]
        assert len(reported) == len(messages), messages
    (served,) = [m for m in reported if int(m.group(1))]
    assert float(served.group(3)) > 0  # it used to say 0.0 fps after a frame or two
