"""The A/B diagnosis in two calls, for programs (the demo, the bridge, a notebook):

from pipeline.diagnosis import diagnose_frame, write_report

result = diagnose_frame("style.onnx", "frame.png", "engine.png")  # or arrays, a network, a stylizer
print(result.summary)          # one line: the verdict, the scores, the fix
write_report("ab.html", result)  # the self-contained HTML report with pictures
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from pipeline.core.fileio import load_rgb
from pipeline.diagnosis.diagnose import Diagnosis, diagnose
from pipeline.diagnosis.graphs import Graph, graph_for
from pipeline.diagnosis.pairs import upright_srgb
from pipeline.diagnosis.report import write_report
from pipeline.inference.onnx_stylizer import OnnxStylizer
from pipeline.inference.torch_stylizer import TorchStylizer
from pipeline.models import StyleNet

__all__ = ["Diagnosis", "diagnose_frame", "write_report"]

Picture = np.ndarray | str | Path


def diagnose_frame(
    model: Graph | StyleNet | TorchStylizer | OnnxStylizer | str | Path,
    frame: Picture,
    engine: Picture,
    *,
    io_mode: str = "unit",
    device: str = "auto",
    row_order: str = "top",
    color_encoding: str = "srgb",
    pairs: bool = True,
) -> Diagnosis:
    """Why the engine's picture of `frame` differs from what `model` makes of it.

    `model`: the .onnx the engine runs (or its OnnxStylizer), or a checkpoint, network or TorchStylizer seen as
    exported with `--io io_mode`. `frame` and `engine`: uint8 (H, W, 3) RGB arrays or image files, both stored
    with `row_order` ("top" or "bottom_up") and `color_encoding` ("srgb" or "linear"), as they left the engine.
    """
    images = [load_rgb(p) if isinstance(p, str | Path) else p for p in (frame, engine)]
    upright = [upright_srgb(image, row_order, color_encoding) for image in images]
    return diagnose(graph_for(model, io_mode, device), upright[0], upright[1], pairs=pairs)
