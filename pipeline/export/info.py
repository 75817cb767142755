"""What an .onnx file is, for `stylebridge info model.onnx`: its contract, opset, tensors, size and operators.

Works on any .onnx; for one exported by stylebridge (its metadata names the architecture and the
configuration) it also rebuilds the network on the meta device to count multiply-adds, as `info`
does for checkpoints.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import onnx

from pipeline.core.contract import METADATA_PREFIX, ContractError, PixelContract
from pipeline.export.runtime import OnnxModelError, contract_from_model, load_onnx, sidecar_path
from pipeline.models import ModelConfigError, build_architecture
from pipeline.models.info import contract_lines, count_macs, macs_line


@dataclass(frozen=True)
class TensorInfo:
    name: str
    element_type: str
    shape: list[int | str]  # a number per fixed axis, the axis name for a dynamic one

    def describe(self) -> str:
        return f"{self.name} {self.element_type.lower()} [{', '.join(str(d) for d in self.shape)}]"


@dataclass(frozen=True)
class OnnxInfo:
    path: str
    file_mb: float  # the .onnx file, 1 MB = 10^6 bytes
    opset: int | None
    producer: str
    parameters: int  # elements of all initializers
    inputs: list[TensorInfo]
    outputs: list[TensorInfo]
    ops: dict[str, int]  # operator -> node count, most used first
    contract: PixelContract | None
    contract_problem: str | None  # why there is no contract
    exported_from: dict[str, str] = field(default_factory=dict)  # stylebridge metadata about the source
    macs: int | None = None  # at width x height, when the network is known
    width: int = 0
    height: int = 0

    def describe(self) -> str:
        lines = [
            f"model          {self.path} (ONNX, opset {self.opset}, {self.file_mb:.2f} MB file, by {self.producer})"
        ]
        source = self.exported_from
        if source:
            network = " ".join(v for v in (source.get("architecture"), source.get("preset")) if v)
            lines.append(
                f"exported from  {source.get('source_checkpoint', '?')} at step {source.get('step', '?')} "
                f"({network}, io {source.get('io', '?')})"
            )
        lines.append(f"parameters     {self.parameters:,}")
        if self.macs is not None:
            lines.append(macs_line(self.macs, self.width, self.height))
        lines += [f"graph input    {t.describe()}" for t in self.inputs]
        lines += [f"graph output   {t.describe()}" for t in self.outputs]
        if self.contract is not None:
            lines += contract_lines(self.contract)
        else:
            lines.append(f"contract       none: {self.contract_problem}")
        lines.append(f"operators      {', '.join(f'{op} x{n}' for op, n in self.ops.items())}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            **{k: v for k, v in self.__dict__.items() if k not in ("contract", "inputs", "outputs")},
            "inputs": [t.__dict__ for t in self.inputs],
            "outputs": [t.__dict__ for t in self.outputs],
            "contract": self.contract.to_dict() if self.contract else None,
        }


def onnx_info(path: str | Path, width: int = 960, height: int = 540) -> OnnxInfo:
    """Describe an .onnx file; multiply-adds at width x height when it names a stylebridge network."""
    path = Path(path)
    model = load_onnx(path)
    try:
        contract, problem = contract_from_model(model, sidecar_path(path)), None
    except (OnnxModelError, ContractError) as exc:
        contract, problem = None, str(exc)
    ours = [p for p in model.metadata_props if p.key.startswith(METADATA_PREFIX)]
    metadata = {p.key[len(METADATA_PREFIX) :]: p.value for p in ours}
    initializers = {t.name for t in model.graph.initializer}
    return OnnxInfo(
        path=str(path),
        file_mb=path.stat().st_size / 1e6,
        opset=next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), None),
        producer=f"{model.producer_name} {model.producer_version}".strip() or "unknown",
        parameters=sum(int(np.prod(t.dims)) for t in model.graph.initializer),
        inputs=[_tensor(v) for v in model.graph.input if v.name not in initializers],
        outputs=[_tensor(v) for v in model.graph.output],
        ops=dict(Counter(node.op_type for node in model.graph.node).most_common()),
        contract=contract,
        contract_problem=problem,
        exported_from={
            k: metadata[k] for k in ("architecture", "preset", "source_checkpoint", "step", "io") if metadata.get(k)
        },
        macs=_macs(metadata, width, height),
        width=width,
        height=height,
    )


def _tensor(value: onnx.ValueInfoProto) -> TensorInfo:
    tensor = value.type.tensor_type
    dims = tensor.shape.dim
    shape: list[int | str] = [d.dim_value if d.HasField("dim_value") else (d.dim_param or "?") for d in dims]
    return TensorInfo(value.name, onnx.TensorProto.DataType.Name(tensor.elem_type), shape)


def _macs(metadata: dict[str, str], width: int, height: int) -> int | None:
    """Multiply-adds of the network the metadata names (None for a model we did not export)."""
    if "architecture" not in metadata or "config" not in metadata:
        return None
    try:
        network = build_architecture(metadata["architecture"], json.loads(metadata["config"]))
    except (ModelConfigError, ValueError):
        return None
    network.contract.check_size(height, width)
    return count_macs(network, width, height)
