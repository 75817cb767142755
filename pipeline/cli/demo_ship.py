"""The demo's second half: ship the trained checkpoint the way a Unity project would get it.

Export it to opset-9 ONNX (validated, parity-checked), deploy it into a bare Unity project folder,
then stream the test frame through a live bridge server the way the Unity client does (RGBA32,
bottom-up rows) and A/B-compare PyTorch's output with the exported model's.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bridge.backends import load_backend
from bridge.client import BridgeClient
from bridge.protocol import RowOrder
from bridge.server import BridgeServer, ServerConfig
from pipeline.cli.demo_csharp import stream_through_csharp
from pipeline.core.fileio import save_png
from pipeline.export.exporter import ExportResult, export_onnx
from pipeline.inference.onnx_stylizer import OnnxStylizer
from pipeline.unity.deploy import Deployment, deploy_export

log = logging.getLogger(__name__)


@dataclass
class ShipResult:
    export: ExportResult
    deployment: Deployment
    bridge_frame: Path  # the test frame stylized through the bridge, upright
    ab_metrics: dict[str, Any]  # PyTorch (bridge) vs the exported ONNX model, on the unit range


def as_unity_texture(image: np.ndarray) -> np.ndarray:
    """An upright RGB image -> what a Unity RGBA32 texture holds: bottom row first, opaque alpha."""
    alpha = np.full((*image.shape[:2], 1), 255, np.uint8)
    return np.ascontiguousarray(np.concatenate([image, alpha], axis=2)[::-1])


def ship(checkpoint: Path, test_image: np.ndarray, folder: Path, device: str = "auto") -> ShipResult:
    exported = export_onnx(checkpoint, folder / "export" / "demo.onnx")
    log.info("exported %s in %.2f s", exported.files.onnx, exported.seconds)
    project = folder / "UnityProject"
    (project / "Assets").mkdir(parents=True, exist_ok=True)
    deployment = deploy_export(exported, project, name="demo")
    log.info("deployed %s (version %d)", deployment.onnx, deployment.version)

    engine_output = as_unity_texture(OnnxStylizer(exported.files.onnx, "cpu")(test_image))
    config = ServerConfig(bind="tcp://127.0.0.1:0", watch=False, stats_interval=0, compare_dir=folder / "ab")
    server = BridgeServer(load_backend("torch", checkpoint, device), config)
    endpoint = server.start()
    try:
        with BridgeClient(endpoint, name="demo") as client:
            texture = as_unity_texture(test_image)
            styled = client.stylize(texture, RowOrder.BOTTOM_UP)
            stream_through_csharp(endpoint, texture, styled, folder)
            metrics = client.compare(texture, engine_output, RowOrder.BOTTOM_UP, save_visual=True)
    finally:
        server.stop()
    bridge_frame = save_png(folder / "bridge_frame.png", np.ascontiguousarray(styled[::-1, :, :3]))
    log.info("bridge round trip at %s; A/B PyTorch vs ONNX: %s", endpoint, metrics)
    return ShipResult(exported, deployment, bridge_frame, metrics)
