"""An evaluation as a self-contained HTML page: the verdict in one line, pictures, then the numbers.

Built from the shared report pieces (`pipeline.core.html_report`), like the A/B diagnosis: every
image is embedded and the page has no script and no external resource. For each example frame (the
worst PSNR, the best and one between) it shows the frame, the teacher's output, the student's and
their difference on the shared fixed heatmap scale.
"""

from __future__ import annotations

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
    write_html,
)
from pipeline.inference.evaluate import Evaluation


def _summary(result: Evaluation) -> str:
    q, s, t = result.quality(), result.student, result.teacher
    speed = next(iter(s.fps), None)
    faster = (
        f" and runs at {s.fps[speed]:.1f} fps against the teacher's {t.fps[speed]:.1f} ({speed}, {s.width}x{s.height})"
        if speed and s.fps.get(speed) and t.fps.get(speed)
        else ""
    )
    return (
        f"On {len(result.scores)} frames it never trained on, the student is {q['psnr_mean']:.2f} dB PSNR "
        f"(SSIM {q['ssim_mean']:.3f}) from the teacher, worst frame {q['psnr_worst']:.2f} dB. It flickers "
        f"{result.student_flicker.flicker:.3f} levels where the scene holds still, the teacher "
        f"{result.teacher_flicker.flicker:.3f} (the source itself {result.student_flicker.source_floor:.3f}). "
        f"It is {s.size_mb:.2f} MB against {t.size_mb:.2f} MB{faster}."
    )


def _figures(result: Evaluation) -> list[str]:
    found = []
    for rank, example in enumerate(result.examples):
        score = example.score
        which = "worst" if rank == 0 else "best" if rank == len(result.examples) - 1 else "middle"
        found += [
            figure(example.frame, f"frame {score.name} ({which} PSNR of the scored frames)", f"frame-{rank}"),
            figure(example.teacher, "teacher", f"teacher-{rank}"),
            figure(example.student, f"student: PSNR {score.psnr:.2f} dB, SSIM {score.ssim:.3f}", f"student-{rank}"),
            heat_figure(example.student, example.teacher, "|student - teacher|", f"heatmap-{rank}"),
        ]
    return found


def _numbers(result: Evaluation) -> Markup:
    q, s, t = result.quality(), result.student, result.teacher
    rows: list[list[Cell]] = [
        ["PSNR against the teacher (dB), mean / worst", Num(q["psnr_mean"], ".2f"), Num(q["psnr_worst"], ".2f")],
        ["SSIM against the teacher, mean / worst", Num(q["ssim_mean"], ".4f"), Num(q["ssim_worst"], ".4f")],
        ["L1 against the teacher (8-bit levels), mean / worst", Num(q["l1_mean"], ".2f"), Num(q["l1_worst"], ".2f")],
    ]
    cost: list[list[Cell]] = [
        ["flicker (8-bit levels; lower is steadier)", Num(result.student_flicker.flicker, ".3f"),
         Num(result.teacher_flicker.flicker, ".3f")],
        ["parameters", Num(s.parameters, ",.0f"), Num(t.parameters, ",.0f")],
        ["size (MB, fp32)", Num(s.size_mb, ".3f"), Num(t.size_mb, ".3f")],
        ["file (MB)", Num(s.file_mb, ".3f"), Num(t.file_mb, ".3f")],
        [f"multiply-adds at {s.width}x{s.height} (G)", Num(_giga(s.macs), ".3f"), Num(_giga(t.macs), ".3f")],
        *[[f"fps {backend} at {s.width}x{s.height}", Num(s.fps.get(backend)), Num(t.fps.get(backend))]
          for backend in dict.fromkeys([*s.fps, *t.fps])],
    ]  # fmt: skip
    quality = table(("student against teacher", "mean", "worst"), rows, "quality")
    return Markup(quality + table(("", "student", "teacher"), cost, "numbers"))


def _giga(macs: int | None) -> float | None:
    return None if macs is None else macs / 1e9


def _per_frame(result: Evaluation) -> Markup:
    rows: list[list[Cell]] = [[s.name, Num(s.psnr, ".2f"), Num(s.ssim, ".4f"), Num(s.l1, ".2f")] for s in result.scores]
    return table(("frame", "PSNR dB", "SSIM", "L1 levels"), rows, "per-frame")


def render_evaluation(result: Evaluation, title: str = "") -> str:
    """The whole page for one evaluation."""
    body = [note(_summary(result), "", "summary")]
    body += [note(warning, "warn", "warning") for warning in result.warnings]
    body.append(section("Pictures", pictures(_figures(result))))
    body.append(section("Numbers", _numbers(result)))
    flicker = result.student_flicker
    facts = {
        "student": f"{result.student.path} ({result.student.name})",
        "teacher": f"{result.teacher.path} ({result.teacher.name})",
        "frames": f"{result.frame_count} of {result.frames}; {len(result.scores)} scored",
        "left out": ", ".join(result.keyframes) or ("none" if result.held_out_known else "unknown (see the warning)"),
        "flicker": (
            f"mean |change| of consecutive outputs where every channel of the source changed by at most "
            f"{flicker.threshold} levels ({100 * flicker.static_fraction:.1f}% of pixels, {flicker.pairs} pairs)"
        ),
        "metrics": "PSNR and SSIM as bridge/PROTOCOL.md defines them, on the 8-bit outputs",
        "notes": "; ".join([*result.student.notes, *result.teacher.notes]) or "-",
        "time": f"{result.seconds:.1f} s",
    }
    body.append(section("Details", details(facts)))
    body.append(section("Every scored frame", _per_frame(result)))
    return page(title or f"Student against teacher: {result.student.name}", "".join(body))


def write_evaluation_report(path: str | Path, result: Evaluation, title: str = "") -> Path:
    """Write the page atomically."""
    return write_html(path, render_evaluation(result, title))
