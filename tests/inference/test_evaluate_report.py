"""The evaluation's HTML report: self-contained, and laid out sanely in a real headless Chromium."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline.core.chromium import WINDOW, page_layout, screenshot
from pipeline.core.fileio import load_rgb
from pipeline.inference.evaluate import Evaluation, evaluate
from pipeline.inference.evaluate_report import render_evaluation, write_evaluation_report
from pipeline.training.level import write_level


@pytest.fixture(scope="module")
def evaluation(tmp_path_factory: pytest.TempPathFactory, make_teacher: Callable[..., Path]) -> Evaluation:
    folder = tmp_path_factory.mktemp("evaluation")
    teacher, student = make_teacher(0), make_teacher(1)  # any model can be scored against the teacher
    frames = write_level(folder / "level", count=12, width=48, height=32)
    return evaluate(student, teacher, frames, width=48, height=32, teacher_cache=folder / "cache",
                    fps_seconds=0.02, device="cpu", progress=False)  # fmt: skip


def test_the_report_is_one_self_contained_page_with_the_numbers(evaluation: Evaluation) -> None:
    page = render_evaluation(evaluation)
    assert page.startswith("<!doctype html>") and page.count("data:image/png;base64,") == 12  # 3 examples x 4
    assert not re.search(r"""(src|href)=["']?(https?:|//|file:)""", page) and "<script" not in page
    quality = evaluation.quality()
    for shown in (f"{quality['psnr_mean']:.2f}", "fps pytorch cpu at 48x32", "parameters", "every frame is scored"):
        assert html.escape(shown) in page, shown
    assert page.count('<td class="num">') >= 3 * len(evaluation.scores)  # every scored frame has its row


@pytest.mark.usefixtures("chromium")
def test_the_report_renders_in_chromium_with_a_sane_layout(evaluation: Evaluation, tmp_path: Path) -> None:
    report = write_evaluation_report(tmp_path / "report.html", evaluation)
    layout = page_layout(report, WINDOW)
    boxes = {item["role"]: item for item in layout["roles"]}
    assert layout["scrollWidth"] <= layout["viewport"]  # nothing sticks out sideways
    images = {image["role"]: image for image in layout["images"]}
    roles = [f"{kind}-{rank}" for rank in range(3) for kind in ("frame", "teacher", "student", "heatmap")]
    assert set(images) == set(roles)
    for role in roles:
        image = images[role]
        assert image["complete"] and image["natural"] == [48, 32], role
        assert image["w"] >= 250 and abs(image["h"] / image["w"] - 32 / 48) < 0.05, role
    for i, a in enumerate(roles):
        for b in roles[i + 1 :]:
            first, second = images[a], images[b]
            apart = (first["x"] + first["w"] <= second["x"] or second["x"] + second["w"] <= first["x"]
                     or first["y"] + first["h"] <= second["y"] or second["y"] + second["h"] <= first["y"])  # fmt: skip
            assert apart, f"{a} overlaps {b}"
    for rank in range(3):  # frame | teacher | student | heatmap read left to right on one row
        row = [images[f"{kind}-{rank}"] for kind in ("frame", "teacher", "student", "heatmap")]
        assert [box["x"] for box in row] == sorted(box["x"] for box in row) and len({box["y"] for box in row}) == 1
    assert boxes["summary"]["y"] < images["frame-0"]["y"] < boxes["quality"]["y"] < boxes["numbers"]["y"]
    assert boxes["details"]["y"] < boxes["per-frame"]["y"]

    shot = load_rgb(screenshot(report, tmp_path / "report.png", WINDOW))
    for role, picture in (("frame-0", evaluation.examples[0].frame), ("teacher-0", evaluation.examples[0].teacher)):
        box = images[role]
        x0, y0 = round(box["x"]) + 2, round(box["y"]) + 2
        x1, y1 = round(box["x"] + box["w"]) - 2, round(box["y"] + box["h"]) - 2
        shown = shot[y0:y1, x0:x1].reshape(-1, 3).mean(axis=0)
        assert abs(shown - picture.reshape(-1, 3).mean(axis=0)).max() < 12, role
