"""The demo's C# leg: when Mono is installed, the test frame also goes through the Unity package's C# client.

The engine-free core of the Unity package (the same BridgeClient a Unity scene runs) is built with Mono and
streams the frame, as a Unity texture (RGBA32, bottom-up), to the demo's live server a few times; its
RESULTs are compared with the Python client's and the last one is saved. Without Mono the leg is skipped
with a line saying how to get it.
"""

from __future__ import annotations

import json
import logging
import tempfile
from pathlib import Path

import numpy as np

from pipeline.core.fileio import save_png
from pipeline.unity.csharp import CSharpError, MonoTools, build_core, run_tool

log = logging.getLogger(__name__)

FRAMES = 20


def stream_through_csharp(endpoint: str, texture: np.ndarray, python_result: np.ndarray, folder: Path) -> str | None:
    """Send `texture` (H, W, 4 bottom-up) FRAMES times through the C# client; a summary line, or None without Mono."""
    try:
        MonoTools.find()
    except CSharpError as exc:
        log.warning("skipping the C# client leg of the demo: %s", exc)
        return None
    with tempfile.TemporaryDirectory(prefix="stylebridge-csharp-") as scratch:
        work = Path(scratch)
        build = build_core(work)
        height, width = texture.shape[:2]
        frames, results = work / "frames.rgba", work / "results.rgba"
        np.stack([texture] * FRAMES).tofile(frames)
        options = {"endpoint": endpoint, "input": frames, "output": results, "width": width, "height": height}
        report = json.loads(run_tool(build, "stream", {**options, "rows": "bottom_up"}))
        styled = np.fromfile(results, dtype=np.uint8).reshape(-1, height, width, 4)
    worst = int(np.abs(styled.astype(int) - python_result.astype(int)).max())
    picture = save_png(folder / "csharp_bridge_frame.png", np.ascontiguousarray(styled[-1, ::-1, :, :3]))
    agreement = "bit-identical to" if worst == 0 else f"at most {worst} levels from"
    summary = (
        f"C# client (the Unity package's core, on Mono): {report['frames']} frames through the bridge, "
        f"{agreement} the Python client's RESULT; round trip p50 {report['round_trip_p50_ms']:.1f} ms; {picture}"
    )
    log.info("%s", summary)
    return summary
