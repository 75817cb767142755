"""The model the engine runs, as the emulator needs it: tensors in the graph's own ranges in and out.

A `Graph` is what Unity executes: an exported .onnx (its contract read from its metadata), or a
checkpoint seen the way `stylebridge export --io unit|raw` would export it. It also runs in half
precision, the way the engine does when weights are imported as Half or activations live in
half-float textures: every weight and every layer's output is rounded to float16 (overflowing
to infinity) while the arithmetic stays float32.
"""

from __future__ import annotations

import copy
from abc import ABC, abstractmethod
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import torch
from onnx import TensorProto, helper, numpy_helper
from torch import nn

from pipeline.core.contract import PixelContract
from pipeline.export.exporter import IO_MODES, UnitIO
from pipeline.export.runtime import contract_from_model, create_session, sidecar_path
from pipeline.inference.device import resolve_device
from pipeline.inference.files import is_onnx_file
from pipeline.inference.onnx_stylizer import OnnxStylizer
from pipeline.inference.torch_stylizer import TorchStylizer
from pipeline.models import StyleNet
from pipeline.models.checkpoint import load_checkpoint


class Graph(ABC):
    """A model as the engine runs it: (N, 3, H, W) float32 in its contract's input range -> output range."""

    contract: PixelContract  # of the graph's own input and output (unit for --io unit)
    device: torch.device
    name: str
    static_size: tuple[int, int] | None = None  # (W, H) when the graph only takes one size

    @abstractmethod
    def run(self, batch: torch.Tensor, half: bool = False) -> torch.Tensor:
        """Run a batch (on `device`); `half` stores weights and activations in float16."""


def _round_half(t: torch.Tensor) -> torch.Tensor:
    return t.half().float()


class TorchGraph(Graph):
    """A StyleNet as exported with `--io unit` (wrapped in its contract) or `--io raw` (bare)."""

    def __init__(
        self, net: StyleNet, io_mode: str = "unit", device: torch.device | str = "cpu", name: str = ""
    ) -> None:
        if io_mode not in IO_MODES:
            raise ValueError(f"io_mode must be one of {', '.join(IO_MODES)}, got {io_mode!r}")
        self.device = torch.device(device)
        if any(p.dtype != torch.float32 or p.device != self.device for p in net.parameters()):
            net = copy.deepcopy(net)  # (a model served in half precision, or elsewhere, stays as it is)
        net = net.eval().float().to(self.device)
        self.module: nn.Module = UnitIO(net) if io_mode == "unit" else net
        self.contract = net.contract.as_unit_io() if io_mode == "unit" else net.contract
        self.name = name or f"{net.architecture} (--io {io_mode})"
        self._half_module: nn.Module | None = None

    def _half(self) -> nn.Module:
        if self._half_module is None:
            module = copy.deepcopy(self.module)
            with torch.no_grad():
                for tensor in [*module.parameters(), *module.buffers()]:
                    if tensor.is_floating_point():
                        tensor.copy_(_round_half(tensor))
            for leaf in module.modules():
                if not list(leaf.children()):
                    leaf.register_forward_hook(lambda _m, _i, out: _round_half(out))
            self._half_module = module
        return self._half_module

    @torch.inference_mode()
    def run(self, batch: torch.Tensor, half: bool = False) -> torch.Tensor:
        batch = batch.to(self.device, torch.float32)
        if half:
            return _round_half(self._half()(_round_half(batch)))
        return self.module(batch)


class OnnxGraph(Graph):
    """An exported .onnx run by ONNX Runtime, one image at a time (exports have batch size 1)."""

    def __init__(self, path: str | Path, device: str = "auto") -> None:
        self.path = Path(path)
        self.name = self.path.name
        self.model = onnx.load(str(self.path), load_external_data=False)
        self.contract = contract_from_model(self.model, sidecar_path(self.path))
        self.session = create_session(self.path, device)
        self.device = torch.device("cpu")
        self.input_name = self.session.get_inputs()[0].name
        shape = self.session.get_inputs()[0].shape
        height, width = shape[2:4] if len(shape) == 4 else (None, None)
        self.static_size = (width, height) if isinstance(width, int) and isinstance(height, int) else None
        self._half_session: ort.InferenceSession | None = None

    def _session(self, half: bool) -> ort.InferenceSession:
        if not half:
            return self.session
        if self._half_session is None:
            self._half_session = create_session(
                half_storage(self.model).SerializeToString(), "cpu", f"{self.name} (fp16)"
            )
        return self._half_session

    def run(self, batch: torch.Tensor, half: bool = False) -> torch.Tensor:
        session = self._session(half)
        outputs = []
        for image in batch.detach().float().cpu().numpy():
            x = image[None].astype(np.float16).astype(np.float32) if half else image[None]
            (y,) = session.run(None, {self.input_name: np.ascontiguousarray(x, np.float32)})
            outputs.append(torch.from_numpy(y))
        return torch.cat(outputs)


def half_storage(model: onnx.ModelProto) -> onnx.ModelProto:
    """A copy of `model` whose weights and node outputs are rounded to float16 (Cast there and back)."""
    model = copy.deepcopy(model)
    graph = model.graph
    for init in graph.initializer:
        if init.data_type == TensorProto.FLOAT:
            array = numpy_helper.to_array(init).astype(np.float16).astype(np.float32)
            init.CopyFrom(numpy_helper.from_array(array, init.name))
    nodes = []
    for node in graph.node:
        nodes.append(node)
        if node.op_type in ("Constant", "Shape"):
            continue
        for index, output in enumerate(node.output):
            stored = f"{output}__fp32"
            node.output[index] = stored
            nodes.append(helper.make_node("Cast", [stored], [f"{output}__fp16"], to=TensorProto.FLOAT16))
            nodes.append(helper.make_node("Cast", [f"{output}__fp16"], [output], to=TensorProto.FLOAT))
    del graph.node[:]
    graph.node.extend(nodes)
    return model


def graph_for(
    model: Graph | StyleNet | TorchStylizer | OnnxStylizer | str | Path, io_mode: str = "unit", device: str = "auto"
) -> Graph:
    """The engine's model as a Graph, from whatever the caller holds: a Graph; an .onnx path, a stylizer of one
    (their own contract; `io_mode` is ignored); a checkpoint path, a network, or a PyTorch stylizer of one (seen as
    exported with `--io io_mode`)."""
    if isinstance(model, Graph):
        return model
    if isinstance(model, OnnxStylizer):
        return OnnxGraph(model.path, device)
    if isinstance(model, TorchStylizer):
        return TorchGraph(model.model, io_mode, model.device)
    if isinstance(model, StyleNet):
        return TorchGraph(model, io_mode, resolve_device(device))
    return load_graph(model, io_mode, device)


def load_graph(model: str | Path, io_mode: str = "unit", device: str = "auto") -> Graph:
    """An .onnx (its own contract; `io_mode` is ignored) or a checkpoint seen as exported with `--io io_mode`."""
    if is_onnx_file(model):
        return OnnxGraph(model, device)
    checkpoint = load_checkpoint(model)
    return TorchGraph(checkpoint.build_model(), io_mode, resolve_device(device), f"{Path(model).name} (--io {io_mode})")
