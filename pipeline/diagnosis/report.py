"""The diagnosis as a self-contained HTML page: pictures first, then the scores, then the fix.

Every image is embedded (PNG data URIs) and the page has no script and no external resource, so
it opens from disk, can be mailed, and looks the same in a year.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image

from pipeline.core.fileio import atomic_write_text
from pipeline.core.metrics import HEAT_COLORS, heat_scale, heatmap
from pipeline.diagnosis.diagnose import Diagnosis, as_float

ROWS = 10
VERDICT_TITLES = {
    "matches": "Matches",
    "explained": "Explained",
    "likely": "Partly explained",
    "unexplained": "Unexplained",
}

CSS = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 24px auto; max-width: 1280px; padding: 0 16px; color: #1d232b; }
h1 { font-size: 22px; margin: 0 0 6px; } h2 { font-size: 17px; margin: 22px 0 8px; }
.verdict { padding: 12px 14px; border-radius: 6px; border-left: 6px solid; margin: 0; }
.v-matches { background: #e8f6ec; border-color: #2e9d52; } .v-explained { background: #fff4df; border-color: #e09b1b; }
.v-likely { background: #fff4df; border-color: #c06a12; } .v-unexplained { background: #fde8e8; border-color: #c23030; }
.fix { background: #eef4fd; border: 1px solid #b9cdee; border-radius: 6px; padding: 10px 14px; }
.pictures { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: 14px; }
figure { margin: 0; } figure img { width: 100%; image-rendering: pixelated; border: 1px solid #ccd3db; display: block; }
figcaption { font-size: 13px; color: #47515e; margin-top: 4px; }
.scale { display: flex; align-items: center; gap: 6px; font-size: 12px; margin-top: 4px; }
.scale .bar { flex: 1; height: 12px; border: 1px solid #ccd3db; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid #e1e6eb; vertical-align: top; }
th { background: #f3f5f7; } td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.best td { background: #fff8e6; font-weight: 600; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; font-size: 14px; } dt { color: #47515e; }
code { background: #f3f5f7; padding: 1px 4px; border-radius: 3px; }
"""


def _png_uri(image: np.ndarray) -> str:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG", compress_level=6)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _figure(image: np.ndarray, caption: str, role: str, extra: str = "") -> str:
    return (
        f'<figure data-role="{role}"><img alt="{html.escape(caption)}" src="{_png_uri(image)}">'
        f"<figcaption>{html.escape(caption)}</figcaption>{extra}</figure>"
    )


def _heat_figure(ours: np.ndarray, theirs: np.ndarray, caption: str, role: str) -> str:
    unit_ours, unit_theirs = as_float(ours), as_float(theirs)
    top = heat_scale(unit_ours, unit_theirs) * 255
    stops = ", ".join(
        f"rgb({int(r)},{int(g)},{int(b)}) {i * 100 // (len(HEAT_COLORS) - 1)}%"
        for i, (r, g, b) in enumerate(HEAT_COLORS)
    )
    labels = [f"{top * i / 4:.0f}" for i in range(5)]
    scale = (
        f'<div class="scale" data-role="{role}-scale"><span>0</span>'
        f'<div class="bar" style="background: linear-gradient(to right, {stops})"></div>'
        f"<span>{labels[4]}/255</span></div>"
        f"<figcaption>colour scale: |difference| in 8-bit levels, largest channel; black 0, yellow {labels[4]} "
        f"(quarters at {', '.join(labels[1:4])})</figcaption>"
    )
    return _figure(heatmap(unit_ours, unit_theirs), caption, role, scale)


def _table(diagnosis: Diagnosis) -> str:
    as_is = diagnosis.as_is
    rows = [
        "<tr><th>#</th><th>explanation</th><th>PSNR dB</th><th>SSIM</th><th>gain dB</th>"
        "<th title='PSNR once the differences a 1/255 drift of the model output can cause are forgiven; ranks the "
        "explanations'>fit dB</th><th>reproduces</th><th>scored</th></tr>",
        f"<tr><td>-</td><td>as is: PyTorch's output</td><td class='num'>{as_is['psnr']:.1f}</td>"
        f"<td class='num'>{as_is['ssim']:.3f}</td><td class='num'>0.0</td><td class='num'>-</td><td>-</td>"
        "<td>full size</td></tr>",
    ]
    for rank, explanation in enumerate(diagnosis.explanations[:ROWS], start=1):
        ssim = "-" if explanation.ssim is None else f"{explanation.ssim:.3f}"
        notes = [f"same picture: {', '.join(explanation.same_picture)}"] if explanation.same_picture else []
        notes += [f"alike within 8-bit noise: {', '.join(explanation.alike)}"] if explanation.alike else []
        same = f" <small>({html.escape('; '.join(notes))})</small>" if notes else ""
        css = ' class="best"' if rank == 1 else ""
        rows.append(
            f"<tr{css}><td>{rank}</td><td>{html.escape(explanation.candidate.label)} <code>"
            f"{html.escape(explanation.candidate.name)}</code>{same}</td>"
            f"<td class='num'>{explanation.psnr:.1f}</td><td class='num'>{ssim}</td>"
            f"<td class='num'>{explanation.psnr - as_is['psnr']:+.1f}</td>"
            f"<td class='num'>{explanation.fit:.1f}</td><td>{'yes' if explanation.reproduces else 'no'}</td>"
            f"<td>{'full size' if explanation.exact else 'sample'}</td></tr>"
        )
    return f'<table data-role="explanations">{"".join(rows)}</table>'


def render_report(diagnosis: Diagnosis, title: str = "") -> str:
    """The whole page for one diagnosis."""
    images = diagnosis.images
    width, height = diagnosis.frame_size
    figures = [
        _figure(images["input"], f"input frame ({width}x{height})", "input"),
        _figure(images["pytorch"], "PyTorch output (the correct engine path)", "pytorch"),
        _figure(images["engine"], "engine output", "engine"),
    ]
    best = diagnosis.best
    if best is not None and "best" in images:
        figures.append(_figure(images["best"], f"simulated: {best.candidate.label}", "best"))
    figures.append(_heat_figure(images["pytorch"], images["engine"], "|engine - PyTorch|", "heatmap"))
    if best is not None and "best" in images:
        figures.append(_heat_figure(images["best"], images["engine"], "|engine - best explanation|", "residual"))
    fix = ""
    if diagnosis.fix:
        fix = f'<h2>Fix</h2><p class="fix" data-role="fix">{html.escape(diagnosis.fix)}</p>'
    explanations = ""
    if diagnosis.explanations:
        margin = (
            ""
            if diagnosis.margin_db is None
            else f" (the best's fit leads the first runner-up that looks different by {diagnosis.margin_db:.1f} dB)"
        )
        heading = (
            "Closest candidates (none reproduces the engine's picture)"
            if diagnosis.verdict == "unexplained"
            else f"Explanations, best first{margin}"
        )
        explanations = f"<h2>{heading}</h2>{_table(diagnosis)}"
    details = {
        "model": diagnosis.model,
        "contract": ", ".join(f"{k} {v}" for k, v in diagnosis.contract.items() if k != "version"),
        "as is": ", ".join(f"{k} {v:.4g}" for k, v in diagnosis.as_is.items()),
        "error pattern": diagnosis.pattern.text if diagnosis.pattern else "-",
        "search": diagnosis.search["note"],
        "time": (
            f"{diagnosis.timing['seconds']:.2f} s, {diagnosis.timing['model_runs']} model runs for "
            f"{diagnosis.timing['candidates']} candidates on {diagnosis.timing['device']}"
        ),
    }
    rows = "".join(f"<dt>{html.escape(k)}</dt><dd>{html.escape(str(v))}</dd>" for k, v in details.items())
    heading = html.escape(title or f"A/B diagnosis: {diagnosis.model}")
    summary = diagnosis.summary.removeprefix(f"{diagnosis.verdict}: ")  # (the title says it)
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{heading}</title>'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><style>{CSS}</style></head><body>'
        f"<h1>{heading}</h1>"
        f'<p class="verdict v-{diagnosis.verdict}" data-role="verdict">'
        f"<strong>{VERDICT_TITLES[diagnosis.verdict]}.</strong> {html.escape(summary)}</p>{fix}"
        f'<h2>Pictures</h2><div class="pictures">{"".join(figures)}</div>'
        f'{explanations}<h2>Details</h2><dl data-role="details">{rows}</dl></body></html>'
    )


def write_report(path: str | Path, diagnosis: Diagnosis, title: str = "") -> Path:
    """Write the page atomically."""
    return atomic_write_text(path, render_report(diagnosis, title))


def write_index(path: str | Path, entries: Sequence[tuple[str, Diagnosis, str]]) -> Path:
    """A page listing (name, diagnosis, report file name) rows for a batch."""
    rows = "".join(
        f'<tr><td><a href="{html.escape(report)}">{html.escape(name)}</a></td>'
        f"<td>{VERDICT_TITLES[d.verdict]}</td><td>{html.escape(d.summary)}</td></tr>"
        for name, d, report in entries
    )
    page = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>A/B diagnoses</title><style>{CSS}</style>'
        f"</head><body><h1>A/B diagnoses ({len(entries)} pairs)</h1><table><tr><th>pair</th><th>verdict</th>"
        f"<th>summary</th></tr>{rows}</table></body></html>"
    )
    return atomic_write_text(path, page)
