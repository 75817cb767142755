"""The HTML report: self-contained, and laid out sanely in a real headless Chromium (Debian's `chromium`).

Chromium lays the report out (`pipeline.core.chromium.page_layout`) and takes a screenshot; the test
checks the layout (every picture shown at a readable size, nothing overlapping or overflowing, the
colour scale under its heatmap) and that the screenshot shows each embedded picture where the layout
says it is. Not a pixel comparison. Skipped only where chromium is missing and CI is not set (the
`chromium` fixture); under CI it must run.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from pipeline.core.chromium import WINDOW, page_layout, screenshot
from pipeline.core.fileio import load_rgb
from pipeline.diagnosis.diagnose import Diagnoser, Diagnosis
from pipeline.diagnosis.emulator import to_image
from pipeline.diagnosis.faults import candidate_faults
from pipeline.diagnosis.graphs import Graph
from pipeline.diagnosis.report import render_report, write_report
from pipeline.diagnosis.table import inject


@pytest.fixture(scope="module")
def explained(torch_diagnoser: Callable[[str, str], tuple[Graph, Diagnoser]], frame: np.ndarray) -> Diagnosis:
    graph, diagnoser = torch_diagnoser("fewshot-small", "raw")
    fault = next(f for f in candidate_faults(graph.contract, (70, 42)) if f.name == "input_range:0_255->-1_1")
    return diagnoser.diagnose(inject(graph, frame, (fault,), np.random.default_rng(7)))


def test_the_report_is_one_self_contained_file(explained: Diagnosis) -> None:
    page = render_report(explained)
    assert page.startswith("<!doctype html>") and page.count("data:image/png;base64,") == 6
    assert not re.search(r"""(src|href)=["']?(https?:|//|file:)""", page)  # nothing fetched from anywhere
    assert "<script" not in page
    for text in (explained.summary, explained.fix, "colour scale", "PSNR dB", "SSIM", "margin"):
        assert html.escape(text) in page


def test_an_unexplained_report_shows_no_simulated_picture(
    torch_diagnoser: Callable[[str, str], tuple[Graph, Diagnoser]],
) -> None:
    _, diagnoser = torch_diagnoser("fewshot-small", "unit")
    engine = to_image(diagnoser.pytorch).copy()
    engine[5:20, 40:62] = 255  # a UI panel over the output: no fault draws that
    result = diagnoser.diagnose(engine)
    page = render_report(result)
    assert result.verdict == "unexplained" and result.margin_db is None
    assert page.count("data:image/png;base64,") == 4 and "simulated:" not in page  # input, PyTorch, engine, heatmap
    assert "Closest candidates (none reproduces" in page and html.escape(result.pattern.text) in page
    assert "<strong>Unexplained.</strong> 1" in page  # (the summary without its verdict word again)


@pytest.mark.usefixtures("chromium")
def test_the_report_renders_in_chromium_with_a_sane_layout(explained: Diagnosis, tmp_path: Path) -> None:
    report = write_report(tmp_path / "report.html", explained)
    layout = page_layout(report, WINDOW)
    boxes = {item["role"]: item for item in layout["roles"]}
    assert layout["scrollWidth"] <= layout["viewport"]  # nothing sticks out sideways

    pictures = ["input", "pytorch", "engine", "best", "heatmap", "residual"]
    images = {image["role"]: image for image in layout["images"]}
    assert set(images) == set(pictures)
    height, width = explained.images["input"].shape[:2]
    for role in pictures:
        image = images[role]
        assert image["complete"] and image["natural"] == [width, height], role
        assert image["w"] >= 250 and abs(image["h"] / image["w"] - height / width) < 0.05, role
    for i, a in enumerate(pictures):
        for b in pictures[i + 1 :]:
            first, second = images[a], images[b]
            apart = (first["x"] + first["w"] <= second["x"] or second["x"] + second["w"] <= first["x"]
                     or first["y"] + first["h"] <= second["y"] or second["y"] + second["h"] <= first["y"])  # fmt: skip
            assert apart, f"{a} overlaps {b}"
    for heat in ("heatmap", "residual"):
        scale = boxes[f"{heat}-scale"]
        assert scale["y"] >= images[heat]["y"] + images[heat]["h"] and scale["w"] >= 200
        assert abs(scale["x"] - images[heat]["x"]) < 5
    assert boxes["verdict"]["y"] < boxes["fix"]["y"] < images["input"]["y"] < boxes["explanations"]["y"]
    assert boxes["explanations"]["h"] > 100 and boxes["details"]["y"] > boxes["explanations"]["y"]

    shot = load_rgb(screenshot(report, tmp_path / "report.png", WINDOW))
    assert shot.shape[:2] == (WINDOW[1], WINDOW[0]) and shot.std() > 20
    for role, key in (("input", "input"), ("engine", "engine"), ("best", "best")):
        box = images[role]
        x0, y0 = round(box["x"]) + 2, round(box["y"]) + 2
        x1, y1 = round(box["x"] + box["w"]) - 2, round(box["y"] + box["h"]) - 2
        shown = shot[y0:y1, x0:x1].reshape(-1, 3).mean(axis=0)
        assert np.abs(shown - explained.images[key].reshape(-1, 3).mean(axis=0)).max() < 12, role
