"""The shared report pieces: embedded pictures that decode to what was given, escaped text, numbers, one page."""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path

import numpy as np
import pytest
from chromium_testing import require_chromium
from PIL import Image

from pipeline.core.chromium import ChromiumError, page_layout
from pipeline.core.html_report import (
    Markup,
    Num,
    details,
    figure,
    heat_figure,
    note,
    page,
    pictures,
    section,
    table,
    write_html,
)


def test_a_figure_embeds_its_picture_losslessly() -> None:
    image = np.random.default_rng(0).integers(0, 256, (5, 7, 3), dtype=np.uint8)
    html = figure(image, "a <caption>", "input")
    data = re.search(r'src="data:image/png;base64,([^"]+)"', html).group(1)
    assert (np.asarray(Image.open(io.BytesIO(base64.b64decode(data)))) == image).all()
    assert 'data-role="input"' in html and "a &lt;caption&gt;" in html and "<caption>" not in html


def test_tables_escape_text_keep_markup_and_format_numbers() -> None:
    rows = [["<b>", Markup("<code>x</code>"), Num(47.91), Num(None)], ["2", "y", Num(-3.14159, "+.2f"), Num(0.5)]]
    html = table(["name", "code", "dB", "maybe"], rows, "scores", best=0)
    assert "&lt;b&gt;" in html and "<code>x</code>" in html and 'data-role="scores"' in html
    assert '<td class="num">47.9</td>' in html and '<td class="num">-</td>' in html
    assert '<td class="num">-3.14</td>' in html and html.count("class='best'") == 1
    with pytest.raises(ValueError, match="note kind"):
        note("x", "purple")


def test_a_page_is_one_file_with_nothing_to_fetch(tmp_path: Path) -> None:
    a = np.zeros((6, 6, 3), np.uint8)
    body = section("Pictures", pictures([figure(a, "black", "a"), heat_figure(a, a + 1, "noise", "heat")]))
    document = page("Title & more", note("all good", "good", "verdict") + body + details({"k": "<v>"}))
    written = write_html(tmp_path / "deep" / "report.html", document)
    text = written.read_text()
    assert text.startswith("<!doctype html>") and "<title>Title &amp; more</title>" in text
    assert "<script" not in text and not re.search(r"""(src|href)=["']?(https?:|//|file:)""", text)
    assert 'data-role="heat-scale"' in text and "&ge;128" in text and "&lt;v&gt;" in text


@pytest.mark.usefixtures("chromium")
def test_chromium_reports_where_each_labelled_element_lands(tmp_path: Path) -> None:
    wide = np.zeros((20, 40, 3), np.uint8)
    document = page("Layout", pictures([figure(wide, "one", "one"), figure(wide, "two", "two")]))
    layout = page_layout(write_html(tmp_path / "page.html", document), (1000, 800))
    images = {image["role"]: image for image in layout["images"]}
    assert set(images) == {"one", "two"} and all(image["complete"] for image in images.values())
    one, two = images["one"], images["two"]
    assert one["natural"] == [40, 20] and abs(one["h"] / one["w"] - 0.5) < 0.02  # scaled up, aspect kept
    assert one["x"] + one["w"] <= two["x"] and abs(one["y"] - two["y"]) < 1  # side by side in the grid


def test_a_missing_chromium_is_an_error_and_fails_in_ci(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no chromium here
    with pytest.raises(ChromiumError, match="apt-get install -y chromium"):
        page_layout(write_html(tmp_path / "page.html", page("x", "")))
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI is set but chromium is not installed"):
        require_chromium()
    monkeypatch.setenv("CI", "")
    with pytest.raises(pytest.skip.Exception, match="apt-get install chromium"):
        require_chromium()
