"""The demo's second half: ship the trained checkpoint the way a Unity project would get it.

Export it to opset-9 ONNX (validated, parity-checked), deploy it into a bare Unity project folder,
then stream the test frame through a live bridge server the way the Unity client does (RGBA32,
bottom-up rows) and A/B-compare PyTorch's output with the exported model's, asking the server for its
diagnosis ("matches"). Last, the A/B a user gets after a classic mistake: the exported model run by an
engine that reads its output as [-1, 1] (the few-shot generator's range: scale 0.5, bias 0.5) although
it returns [0, 1]; the live COMPARE names the fault and the fix, and the HTML report shows it in
pictures. (An input range mistake would not do here: TransformerNet's first instance norm cancels any
scale and bias of its input, so its picture barely changes, and the diagnosis rightly says so.)
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
from pipeline.diagnosis import diagnose_frame, write_report
from pipeline.diagnosis.emulator import emulate
from pipeline.diagnosis.faults import EngineSettings, output_range_fault
from pipeline.diagnosis.graphs import OnnxGraph
from pipeline.export.exporter import ExportResult, export_onnx
from pipeline.inference.onnx_stylizer import OnnxStylizer
from pipeline.unity.deploy import Deployment, deploy_export

log = logging.getLogger(__name__)


@dataclass
class ShipResult:
    export: ExportResult
    deployment: Deployment
    bridge_frame: Path  # the test frame stylized through the bridge, upright
    ab_metrics: dict[str, Any]  # PyTorch (bridge) vs the exported ONNX model, with the server's diagnosis
    misconfigured: dict[str, Any]  # the live COMPARE of the mis-configured engine's output, with its diagnosis
    misconfigured_fault: str  # the fault that made it (what the diagnosis should name)
    report: Path  # the HTML report of the mis-configured engine's diagnosis

    def describe(self) -> str:
        """The shipping half of a demo's closing summary, one item per line."""
        ab, wrong = self.ab_metrics, self.misconfigured
        return (
            f"  exported         {self.export.files.onnx} (validated, parity checked)\n"
            f"  deployed         {self.deployment.onnx}\n"
            f"  bridge frame     {self.bridge_frame} (RGBA32 bottom-up through the ZeroMQ bridge)\n"
            f"  A/B PyTorch vs ONNX  max abs {ab['max_abs']:.4f}  PSNR {ab['psnr']:.1f} dB  SSIM {ab['ssim']:.5f}\n"
            f"    diagnosis      {_diagnosis_line(ab)}\n"
            f"  A/B, a mis-configured engine ({self.misconfigured_fault} injected)\n"
            f"    diagnosis      {_diagnosis_line(wrong)}\n"
            f"    report         {self.report}"
        )


def _diagnosis_line(compare_result: dict[str, Any]) -> str:
    if "diagnosis" in compare_result:
        return str(compare_result["diagnosis"]["summary"])
    return f"none: {compare_result.get('diagnosis_error', 'the server sent none')}"


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
    fault = output_range_fault("0_1", "-1_1")
    misconfigured = emulate(OnnxGraph(exported.files.onnx, "cpu"), test_image, fault.apply(EngineSettings()))
    config = ServerConfig(bind="tcp://127.0.0.1:0", watch=False, stats_interval=0, compare_dir=folder / "ab")
    server = BridgeServer(load_backend("torch", checkpoint, device), config)
    endpoint = server.start()
    try:
        with BridgeClient(endpoint, name="demo") as client:
            texture = as_unity_texture(test_image)
            styled = client.stylize(texture, RowOrder.BOTTOM_UP)
            stream_through_csharp(endpoint, texture, styled, folder)
            metrics = client.compare(texture, engine_output, RowOrder.BOTTOM_UP, save_visual=True, diagnose=True)
            wrong = client.compare(texture, as_unity_texture(misconfigured), RowOrder.BOTTOM_UP, diagnose=True)
    finally:
        server.stop()
    bridge_frame = save_png(folder / "bridge_frame.png", np.ascontiguousarray(styled[::-1, :, :3]))
    log.info("bridge round trip at %s; A/B PyTorch vs ONNX: %s", endpoint, metrics)
    log.info("A/B of an engine with %s: %s", fault.label, _diagnosis_line(wrong))
    # The report is drawn offline from the same frames: the live reply carries the words, not the pictures.
    diagnosis = diagnose_frame(exported.files.onnx, test_image, misconfigured, device="cpu")
    report = write_report(folder / "ab" / "misconfigured_engine.html", diagnosis, f"The demo's engine, {fault.label}")
    return ShipResult(exported, deployment, bridge_frame, metrics, wrong, fault.name, report)
