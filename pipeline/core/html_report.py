"""Self-contained HTML reports: one page style, pictures embedded as PNG data URIs, figures, tables.

Reports a person opens from disk (the A/B diagnosis, evaluations) share these pieces so they look
alike and stay self-contained: every image is embedded, the page has no script and no external
resource, so it opens anywhere, can be mailed, and looks the same in a year. Elements carry a
`data-role` so that tests can find them in a real browser (`pipeline.core.chromium`).

    body = figure(image, "input frame", "input") + table(["#", "score"], [["1", Num(47.9)]], "scores")
    write_html("report.html", page("My report", section("Pictures", pictures([body]))))
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from pipeline.core.fileio import atomic_write_text
from pipeline.core.pictures import HEAT_COLORS, HEAT_STOPS, heatmap

PAGE_CSS = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 24px auto; max-width: 1280px; padding: 0 16px; color: #1d232b; }
h1 { font-size: 22px; margin: 0 0 6px; } h2 { font-size: 17px; margin: 22px 0 8px; }
.note { padding: 12px 14px; border-radius: 6px; border-left: 6px solid #8a96a3; background: #f3f5f7; margin: 0; }
.good { background: #e8f6ec; border-color: #2e9d52; } .warn { background: #fff4df; border-color: #e09b1b; }
.poor { background: #fff4df; border-color: #c06a12; } .bad { background: #fde8e8; border-color: #c23030; }
.fix { background: #eef4fd; border: 1px solid #b9cdee; border-radius: 6px; padding: 10px 14px; }
.pictures { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: 14px; }
figure { margin: 0; } figure img { width: 100%; image-rendering: pixelated; border: 1px solid #ccd3db; display: block; }
figcaption { font-size: 13px; color: #47515e; margin-top: 4px; }
.scale { display: flex; align-items: center; gap: 6px; font-size: 12px; margin-top: 4px; }
.scale .bar { flex: 1; height: 12px; border: 1px solid #ccd3db; }
.ticks { display: flex; justify-content: space-between; font-size: 11px; color: #47515e; margin-right: 36px; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid #e1e6eb; vertical-align: top; }
th { background: #f3f5f7; } td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.best td { background: #fff8e6; font-weight: 600; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; font-size: 14px; } dt { color: #47515e; }
code { background: #f3f5f7; padding: 1px 4px; border-radius: 3px; }
"""
NOTE_KINDS = ("good", "warn", "poor", "bad", "")  # the colour of a `note`: green, amber, orange, red, grey


class Markup(str):
    """Text that is already HTML: used as it is where plain text would be escaped."""


@dataclass(frozen=True)
class Num:
    """A number in a table cell, right-aligned; None shows as '-'."""

    value: float | None
    format: str = ".1f"


Cell = str | Markup | Num


def text(value: object) -> Markup:
    """Plain text, escaped for HTML."""
    return Markup(html.escape(str(value)))


def png_data_uri(image: np.ndarray) -> str:
    """A uint8 (H, W, 3) picture as a PNG data URI, to embed with <img src=...>."""
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG", compress_level=6)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def figure(image: np.ndarray, caption: str, role: str, extra: str = "") -> Markup:
    """A picture with its caption (and `extra` markup under it), shown pixel for pixel when scaled up."""
    return Markup(
        f'<figure data-role="{html.escape(role)}"><img alt="{html.escape(caption)}" src="{png_data_uri(image)}">'
        f"<figcaption>{html.escape(caption)}</figcaption>{extra}</figure>"
    )


def heat_scale(role: str) -> Markup:
    """The heatmap's colour scale as a labelled bar: the same fixed stops `heatmap` paints with."""
    last = len(HEAT_COLORS) - 1
    stops = ", ".join(f"rgb({r:.0f},{g:.0f},{b:.0f}) {i * 100 // last}%" for i, (r, g, b) in enumerate(HEAT_COLORS))
    ticks = "".join(f"<span>{level}</span>" for level in HEAT_STOPS[:-1]) + f"<span>&ge;{HEAT_STOPS[-1]}</span>"
    return Markup(
        f'<div data-role="{html.escape(role)}"><div class="scale">'
        f'<div class="bar" style="background: linear-gradient(to right, {stops})"></div><span>/255</span></div>'
        f'<div class="ticks">{ticks}</div></div>'
        "<figcaption>colour scale: |difference| in 8-bit levels, largest channel, fixed for every picture "
        f"(1/255 rounding is dark purple, {HEAT_STOPS[-1]}/255 and more pale yellow)</figcaption>"
    )


def heat_figure(ours: np.ndarray, theirs: np.ndarray, caption: str, role: str) -> Markup:
    """The |ours - theirs| heatmap of two uint8 (H, W, 3) pictures, with its colour scale under it."""
    return figure(heatmap(ours, theirs), caption, role, heat_scale(f"{role}-scale"))


def pictures(figures: Sequence[str]) -> Markup:
    """Figures in a grid that fills the page's width."""
    return Markup(f'<div class="pictures">{"".join(figures)}</div>')


def _cell(value: Cell) -> str:
    if isinstance(value, Num):
        shown = "-" if value.value is None else format(value.value, value.format)
        return f'<td class="num">{shown}</td>'
    return f"<td>{value if isinstance(value, Markup) else html.escape(value)}</td>"


def table(header: Sequence[str], rows: Sequence[Sequence[Cell]], role: str = "", best: int | None = None) -> Markup:
    """A table; row number `best` (0-based), if given, is highlighted."""
    head = "".join(f"<th>{html.escape(name)}</th>" for name in header)
    body = "".join(
        ("<tr class='best'>" if index == best else "<tr>") + "".join(_cell(c) for c in row) + "</tr>"
        for index, row in enumerate(rows)
    )
    attribute = f' data-role="{html.escape(role)}"' if role else ""
    return Markup(f"<table{attribute}><tr>{head}</tr>{body}</table>")


def details(items: Mapping[str, object], role: str = "details") -> Markup:
    """Name: value lines, aligned in two columns."""
    rows = "".join(f"<dt>{html.escape(k)}</dt><dd>{html.escape(str(v))}</dd>" for k, v in items.items())
    return Markup(f'<dl data-role="{html.escape(role)}">{rows}</dl>')


def note(content: str, kind: str = "", role: str = "") -> Markup:
    """A coloured callout (a verdict, a warning); `content` is text unless it is Markup."""
    if kind not in NOTE_KINDS:
        raise ValueError(f"note kind must be one of {NOTE_KINDS}, got {kind!r}")
    body = content if isinstance(content, Markup) else html.escape(content)
    attribute = f' data-role="{html.escape(role)}"' if role else ""
    return Markup(f'<p class="note {kind}"{attribute}>{body}</p>')


def section(heading: str, content: str) -> Markup:
    return Markup(f"<h2>{html.escape(heading)}</h2>{content}")


def page(title: str, body: str, css: str = "") -> str:
    """The whole document: `body` under an <h1> of `title`, with the shared style (plus `css`)."""
    heading = html.escape(title)
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{heading}</title>'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><style>{PAGE_CSS}{css}</style>'
        f"</head><body><h1>{heading}</h1>{body}</body></html>"
    )


def write_html(path: str | Path, document: str) -> Path:
    """Write a page atomically: a reader (a browser, a watcher) never sees half a report."""
    return atomic_write_text(path, document)
