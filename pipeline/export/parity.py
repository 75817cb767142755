"""Does an exported .onnx compute what the PyTorch network computes? ONNX Runtime vs PyTorch.

The comparison is made on the graph's own input and output: for a `--io unit` graph that is
[0, 1] in and out (the network wrapped in its contract, clamped), for a `--io raw` graph the
network's own ranges. The bound is 1e-4 on the unit range, scaled by the output range for raw
graphs (1e-4 x 255 for TransformerNet's [0, 255]).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import onnxruntime as ort
import torch

from pipeline.core.contract import PixelContract, image_to_unit_tensor
from pipeline.core.synthetic import game_frame
from pipeline.export.runtime import OnnxModelError
from pipeline.models import StyleNet

UNIT_TOLERANCE = 1e-4
DEFAULT_PARITY_SIZES: tuple[tuple[int, int], ...] = ((96, 64), (128, 72))  # (width, height)


@dataclass(frozen=True)
class ParityResult:
    width: int
    height: int
    max_abs: float
    mean_abs: float
    bound: float

    @property
    def ok(self) -> bool:
        return self.max_abs <= self.bound

    def describe(self) -> str:
        verdict = "ok" if self.ok else f"FAILS the bound {self.bound:.2g}"
        return f"{self.width}x{self.height}: max abs {self.max_abs:.3g}, mean abs {self.mean_abs:.3g} ({verdict})"


def reference_output(model: StyleNet, graph_contract: PixelContract, graph_input: torch.Tensor) -> torch.Tensor:
    """What the PyTorch network gives for `graph_input`, in the graph's own output range."""
    network = model.contract
    if graph_contract == network:
        with torch.inference_mode():
            return model(graph_input)
    if graph_contract == network.as_unit_io():
        with torch.inference_mode():
            return network.run_unit_io(model, graph_input)
    raise OnnxModelError(
        f"the model's contract ({graph_contract.input_range} -> {graph_contract.output_range}) fits neither the "
        f"checkpoint's network ({network.input_range} -> {network.output_range}) nor its unit-range export; "
        "is this the checkpoint the model was exported from?"
    )


def parity_inputs(width: int, height: int, seed: int = 0) -> torch.Tensor:
    """A game-like frame as a (1, 3, H, W) unit-range tensor: realistic activations, reproducible."""
    return image_to_unit_tensor(game_frame(np.random.default_rng(seed), width, height))


def check_parity(
    session: ort.InferenceSession,
    graph_contract: PixelContract,
    model: StyleNet,
    sizes: Sequence[tuple[int, int]] = DEFAULT_PARITY_SIZES,
) -> list[ParityResult]:
    """Run the graph (an ONNX Runtime session) and the network (PyTorch) on frames of each (width, height).

    `graph_contract` is the contract of the graph's own input and output (its metadata's).
    """
    input_name, output_name = session.get_inputs()[0].name, session.get_outputs()[0].name
    model = model.eval().float().cpu()
    bound = UNIT_TOLERANCE * graph_contract.output_scale
    results = []
    for seed, (width, height) in enumerate(sizes):
        graph_input = graph_contract.unit_to_input(parity_inputs(width, height, seed))
        expected = reference_output(model, graph_contract, graph_input).numpy()
        (actual,) = session.run([output_name], {input_name: graph_input.numpy()})
        if actual.shape != expected.shape:
            raise OnnxModelError(f"the graph returns shape {actual.shape} where PyTorch gives {expected.shape}")
        error = np.abs(actual.astype(np.float64) - expected)
        results.append(ParityResult(width, height, float(error.max()), float(error.mean()), bound))
    return results
