"""The diagnosis as a self-contained HTML page: pictures first, then the scores, then the fix.

Built from the shared report pieces (`pipeline.core.html_report`): every image is embedded and the
page has no script and no external resource, so it opens from disk and can be mailed.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pipeline.core.html_report import (
    Cell,
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
    text,
    write_html,
)
from pipeline.diagnosis.diagnose import Diagnosis

ROWS = 10
VERDICT_TITLES = {
    "matches": "Matches",
    "explained": "Explained",
    "likely": "Partly explained",
    "unexplained": "Unexplained",
}
VERDICT_NOTES = {"matches": "good", "explained": "warn", "likely": "poor", "unexplained": "bad"}
TABLE_HEADER = ("#", "explanation", "PSNR dB", "SSIM", "gain dB", "fit dB", "reproduces", "scored")
FIT_NOTE = (
    "PSNR is PROTOCOL.md's, of the simulated picture against the engine's. Fit is the same PSNR once the "
    "differences that a 1/255 drift of the model's output can cause in that picture are forgiven (an output "
    "fault can amplify the engine's float drift), shown up to 48.1 dB (a 1/255 difference everywhere); it ranks "
    "the explanations. Reproduces: the engine's picture is this one within 8-bit noise."
)


def _table(diagnosis: Diagnosis) -> Markup:
    as_is = diagnosis.as_is
    rows: list[list[Cell]] = [
        ["-", "as is: PyTorch's output", Num(as_is["psnr"]), Num(as_is["ssim"], ".3f"), Num(0.0), Num(None), "-",
         "full size"],
    ]  # fmt: skip
    for rank, explanation in enumerate(diagnosis.explanations[:ROWS], start=1):
        notes = [f"same picture: {', '.join(explanation.same_picture)}"] if explanation.same_picture else []
        notes += [f"fits as well within 8-bit noise: {', '.join(explanation.alike)}"] if explanation.alike else []
        same = f" <small>({text('; '.join(notes))})</small>" if notes else ""
        name = Markup(f"{text(explanation.candidate.label)} <code>{text(explanation.candidate.name)}</code>{same}")
        rows.append([
            str(rank), name, Num(explanation.psnr), Num(explanation.ssim, ".3f"),
            Num(explanation.psnr - as_is["psnr"], "+.1f"), Num(explanation.shown_fit),
            "yes" if explanation.reproduces else "no", "full size" if explanation.exact else "sample",
        ])  # fmt: skip
    return Markup(table(TABLE_HEADER, rows, "explanations", best=1) + f"<p><small>{text(FIT_NOTE)}</small></p>")


def _figures(diagnosis: Diagnosis) -> list[str]:
    images = diagnosis.images
    width, height = diagnosis.frame_size
    figures = [
        figure(images["input"], f"input frame ({width}x{height})", "input"),
        figure(images["pytorch"], "PyTorch output (the correct engine path)", "pytorch"),
        figure(images["engine"], "engine output", "engine"),
    ]
    best = diagnosis.best
    simulated = best is not None and "best" in images
    if simulated:
        figures.append(figure(images["best"], f"simulated: {best.candidate.label}", "best"))
    figures.append(heat_figure(images["pytorch"], images["engine"], "|engine - PyTorch|", "heatmap"))
    if simulated:
        figures.append(heat_figure(images["best"], images["engine"], "|engine - best explanation|", "residual"))
    return figures


def render_report(diagnosis: Diagnosis, title: str = "") -> str:
    """The whole page for one diagnosis."""
    summary = diagnosis.summary.removeprefix(f"{diagnosis.verdict}: ")  # (the title says it)
    verdict = Markup(f"<strong>{VERDICT_TITLES[diagnosis.verdict]}.</strong> {text(summary)}")
    body = [note(verdict, VERDICT_NOTES[diagnosis.verdict], "verdict")]
    if diagnosis.fix:
        body.append(section("Fix", Markup(f'<p class="fix" data-role="fix">{text(diagnosis.fix)}</p>')))
    body.append(section("Pictures", pictures(_figures(diagnosis))))
    if diagnosis.explanations:
        margin = (
            ""
            if diagnosis.margin_db is None
            else f" (the best's fit leads the first runner-up the picture tells apart by {diagnosis.margin_db:.1f} dB)"
        )
        heading = (
            "Closest candidates (none reproduces the engine's picture)"
            if diagnosis.verdict == "unexplained"
            else f"Explanations, best first{margin}"
        )
        body.append(section(heading, _table(diagnosis)))
    timing = diagnosis.timing
    facts = {
        "model": diagnosis.model,
        "contract": ", ".join(f"{k} {v}" for k, v in diagnosis.contract.items() if k != "version"),
        "as is": ", ".join(f"{k} {v:.4g}" for k, v in diagnosis.as_is.items()),
        "error pattern": diagnosis.pattern.text if diagnosis.pattern else "-",
        "search": diagnosis.search["note"],
        "time": (
            f"{timing['seconds']:.2f} s, {timing['model_runs']} model runs for {timing['candidates']} candidates "
            f"on {timing['device']}"
        ),
    }
    body.append(section("Details", details(facts)))
    return page(title or f"A/B diagnosis: {diagnosis.model}", "".join(body))


def write_report(path: str | Path, diagnosis: Diagnosis, title: str = "") -> Path:
    """Write the page atomically."""
    return write_html(path, render_report(diagnosis, title))


def write_index(path: str | Path, entries: Sequence[tuple[str, Diagnosis, str]]) -> Path:
    """A page listing (name, diagnosis, report file name) rows for a batch."""
    rows: list[list[Cell]] = [
        [Markup(f'<a href="{text(report)}">{text(name)}</a>'), VERDICT_TITLES[d.verdict], d.summary]
        for name, d, report in entries
    ]
    return write_html(path, page(f"A/B diagnoses ({len(entries)} pairs)", table(("pair", "verdict", "summary"), rows)))
