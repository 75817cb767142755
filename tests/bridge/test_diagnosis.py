"""COMPARE with the A/B diagnosis (protocol 1.1, flag bit 1): through the real server over TCP loopback."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from bridge.backends import load_backend
from bridge.client import BridgeClient
from bridge.compat import PROTOCOL_MINOR, SERVER_CAPABILITIES
from bridge.diagnose import BUSY_REASON, PASSTHROUGH_REASON, DiagnosisJob, DiagnosisWorker
from bridge.protocol import Header, MessageType, RowOrder
from bridge.server import BridgeServer
from pipeline.core.synthetic import game_frame

pytestmark = pytest.mark.timeout(120)

StartServer = Callable[..., BridgeServer]
Connect = Callable[..., BridgeClient]
DIAGNOSIS_KEYS = {"verdict", "summary", "explanation", "label", "psnr", "as_is_psnr", "margin_db", "fix", "sampled",
                  "note", "engine_model", "seconds"}  # fmt: skip


def test_a_compare_that_asks_gets_the_diagnosis_with_its_scores_and_fix(
    start_server: StartServer, connect: Connect, models_dir: Path
) -> None:
    server = start_server(load_backend("onnxruntime", models_dir / "tiny_a.onnx"), watch=False)
    client = connect(server.endpoint)
    assert "diagnosis" in client.server["caps"] and client.server["protocol"] == f"1.{PROTOCOL_MINOR}"
    frame = game_frame(np.random.default_rng(3), 72, 44)
    ours = client.stylize(frame)
    same = client.compare(frame, ours, diagnose=True)
    assert set(same["diagnosis"]) == DIAGNOSIS_KEYS and same["diagnosis"]["verdict"] == "matches"
    assert same["diagnosis"]["explanation"] is None and same["diagnosis"]["fix"] is None
    assert not same["diagnosis"]["sampled"] and same["diagnosis"]["engine_model"] == "tiny_a.onnx"

    upside_down = np.ascontiguousarray(ours[::-1])  # the engine flips its output once more
    result = client.compare(frame, upside_down, diagnose=True)
    diagnosis = result["diagnosis"]
    assert diagnosis["verdict"] == "explained" and diagnosis["explanation"] == "output_flip"
    assert diagnosis["as_is_psnr"] == pytest.approx(result["psnr"], abs=0.01)  # the COMPARE's own PSNR
    assert diagnosis["psnr"] > diagnosis["as_is_psnr"] + 20 and diagnosis["margin_db"] > 3
    assert "flip" in diagnosis["fix"] and diagnosis["summary"].startswith(diagnosis["label"])
    assert "diagnosis" not in client.compare(frame, upside_down)  # not asked: the 1.0 body, as fast as before


def test_bottom_up_rgba_frames_are_diagnosed_upright(
    start_server: StartServer, connect: Connect, models_dir: Path
) -> None:
    server = start_server(load_backend("onnxruntime", models_dir / "tiny_a.onnx"), watch=False)
    client = connect(server.endpoint)
    upright = game_frame(np.random.default_rng(4), 40, 32)
    unity = np.ascontiguousarray(np.dstack([upright, np.full(upright.shape[:2], 255, np.uint8)])[::-1])
    ours = client.stylize(unity, RowOrder.BOTTOM_UP).copy()
    swapped = ours.copy()
    swapped[..., :3] = ours[..., 2::-1]  # red and blue exchanged on the way to the screen
    diagnosis = client.compare(unity, swapped, RowOrder.BOTTOM_UP, diagnose=True)["diagnosis"]
    assert diagnosis["verdict"] == "explained" and diagnosis["explanation"] == "output_bgr"


def test_a_passthrough_server_says_why_it_cannot_diagnose(start_server: StartServer, connect: Connect) -> None:
    client = connect(start_server().endpoint)
    pixels = np.full((4, 6, 4), 100, np.uint8)
    result = client.compare(pixels, pixels, diagnose=True)
    assert "diagnosis" not in result and result["diagnosis_error"] == PASSTHROUGH_REASON
    assert result["psnr"] == 100  # the metrics come all the same
    assert client.server["model"]["served_contract"] is None


def test_hello_ack_says_which_contract_frames_are_served_under(
    start_server: StartServer, connect: Connect, models_dir: Path
) -> None:
    client = connect(start_server(load_backend("torch", models_dir / "tiny_a.pt"), watch=False).endpoint)
    model = client.server["model"]
    assert (model["contract"]["input_range"], model["contract"]["output_range"]) == ("0_255", "0_255")  # its own
    served = model["served_contract"]
    assert (served["input_range"], served["output_range"], served["size_multiple"]) == ("0_1", "0_1", 1)
    assert {k: v for k, v in served.items() if "range" not in k and k != "size_multiple"} == {
        k: v for k, v in model["contract"].items() if "range" not in k and k != "size_multiple"
    }


def test_diagnoses_beyond_the_capacity_are_answered_busy_not_queued() -> None:
    sent: list[tuple[bytes, list]] = []
    worker = DiagnosisWorker(lambda client, parts: sent.append((client, parts)), capacity=1)
    worker.close()  # (its thread stopped: nothing is taken off the queue)
    job = DiagnosisJob(b"c", Header(MessageType.COMPARE_RESULT), {}, load_backend("passthrough", None), ())
    assert worker.submit(job) and not worker.submit(job) and not sent
    assert "earlier COMPAREs" in BUSY_REASON and "diagnosis" in SERVER_CAPABILITIES
