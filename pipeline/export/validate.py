"""Check an .onnx file against what Unity Barracuda imports, before Unity finds out the hard way.

Works on any model, ours or not: `onnx.checker`, the opset, every node against Barracuda's operator
table and attribute limits (`pipeline.export.barracuda_ops`), fp16 tensors, the input and output tensors,
the pixel contract (metadata or sidecar) and the size multiple. With the checkpoint it came from,
also ONNX Runtime vs PyTorch parity (`pipeline.export.parity`). Every problem names where it is and what to
do. A report answers two questions apart: is the model *importable* by Barracuda (no errors; warnings are
advice), and, when a checkpoint was given, does it *match* that checkpoint (parity). It is `ok` when both hold:
a model exported from another checkpoint is importable and still wrong, and is reported as a parity mismatch.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
from onnx import helper, numpy_helper

from pipeline.core.contract import METADATA_PREFIX, ContractError, PixelContract
from pipeline.export.barracuda_ops import (
    CONSTANT_INPUTS,
    CONV_TRANSPOSE_UNSUPPORTED,
    FLOAT16_TYPES,
    KNOWN_OPSETS,
    PAD_MODES,
    RECOMMENDED_OPSET,
    RESIZE_IGNORED_ATTRIBUTES,
    RESIZE_MODES,
    SUPPORTED_OPS,
    UPSAMPLE_MODES,
)
from pipeline.export.parity import DEFAULT_PARITY_SIZES, ParityResult, check_parity
from pipeline.export.rewrite import constant_subgraph, node_label
from pipeline.export.runtime import REEXPORT_HINT, OnnxModelError, contract_from_model, create_session, sidecar_path
from pipeline.models import StyleNet
from pipeline.models.checkpoint import load_checkpoint

REEXPORT = "re-export with `stylebridge export` (opset 9)"


@dataclass(frozen=True)
class Problem:
    severity: str  # "error" (Barracuda fails or computes something else) or "warning" (advice)
    where: str  # a node, a tensor, or "model"
    message: str
    fix: str

    def __str__(self) -> str:
        return f"{self.severity}: {self.where}: {self.message}. Fix: {self.fix}"


@dataclass
class ValidationReport:
    source: str
    opset: int | None = None
    contract: PixelContract | None = None
    problems: list[Problem] = field(default_factory=list)  # about importing the graph into Barracuda
    parity: list[ParityResult] = field(default_factory=list)  # ONNX Runtime vs PyTorch, when a checkpoint was given
    notes: list[str] = field(default_factory=list)  # what the reader should know that is no problem

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def importable(self) -> bool:
        """Barracuda's importer takes the graph and computes what ONNX says (warnings aside)."""
        return not self.errors

    @property
    def matches_checkpoint(self) -> bool:
        """ONNX Runtime reproduces the checkpoint's PyTorch output at every size checked (true when unchecked)."""
        return all(result.ok for result in self.parity)

    @property
    def ok(self) -> bool:
        return self.importable and self.matches_checkpoint

    def error(self, where: str, message: str, fix: str) -> None:
        self.problems.append(Problem("error", where, message, fix))

    def warn(self, where: str, message: str, fix: str) -> None:
        self.problems.append(Problem("warning", where, message, fix))

    def describe(self) -> str:
        lines = [f"{self.source}: opset {self.opset}"]
        if self.contract is not None:
            c = self.contract
            lines.append(
                f"  contract: {c.input_range} -> {c.output_range}, {c.channels} {c.layout}, row 0 = {c.row_origin}, "
                f"{c.color_encoding}, H and W multiples of {c.size_multiple}"
            )
        lines += [f"  parity {result.describe()}" for result in self.parity]
        lines += [f"  {problem}" for problem in self.problems]
        lines += [f"  note: {note}" for note in self.notes]
        importable = "OK for Barracuda" if self.importable else f"NOT importable as is: {len(self.errors)} error(s)"
        lines.append(f"  {importable}, {len(self.warnings)} warning(s)")
        if self.parity and self.matches_checkpoint:
            lines.append(f"  matches the checkpoint: ONNX Runtime and PyTorch agree within {self.parity[0].bound:.2g}")
        elif self.parity:
            worst = max(self.parity, key=lambda result: result.max_abs / result.bound)
            lines.append(
                f"  PARITY MISMATCH: ONNX Runtime differs from PyTorch by up to {worst.max_abs:.3g} (bound "
                f"{worst.bound:.2g}), so the model does not compute what the checkpoint does. Is the checkpoint the "
                "one this model was exported from? Re-export it with `stylebridge export` (fp32 weights)"
            )
        return "\n".join(lines)


def validate_file(
    path: str | Path, checkpoint: str | Path | None = None, sizes: Sequence[tuple[int, int]] = DEFAULT_PARITY_SIZES
) -> ValidationReport:
    """Validate an .onnx file (its sidecar JSON is found beside it), with parity when `checkpoint` is given."""
    path = Path(path)
    try:
        model = onnx.load(str(path), load_external_data=False)
    except Exception as exc:  # DecodeError, OSError, ...: anything that is not a model
        report = ValidationReport(str(path))
        report.error("model", f"not a readable ONNX file ({exc})", REEXPORT)
        return report
    network = load_checkpoint(checkpoint).build_model() if checkpoint is not None else None
    return validate_model(model, sidecar_path(path), str(path), network=network, sizes=sizes)


def validate_model(
    model: onnx.ModelProto,
    sidecar: Path | None = None,
    source: str = "model",
    *,
    network: StyleNet | None = None,
    sizes: Sequence[tuple[int, int]] = DEFAULT_PARITY_SIZES,
    session: ort.InferenceSession | None = None,
) -> ValidationReport:
    """All checks on an in-memory model; `sidecar` is where its sidecar JSON would be.

    With the PyTorch `network` it was exported from, also parity on frames of each size (only the
    model's own size when it is static); `session` is an ONNX Runtime session of `model` the caller
    already has (made here otherwise).
    """
    report = _check_structure(model, sidecar, source)
    if network is None or not report.ok or report.contract is None:
        return report
    static = static_size(model)
    if static and list(sizes) != [static]:
        report.notes.append(
            f"the model's input is fixed at {static[0]}x{static[1]}, so parity is checked at that size only, "
            f"not at {', '.join(f'{w}x{h}' for w, h in sizes)}"
        )
    session = session or create_session(model.SerializeToString(), "cpu", name=Path(source).name)
    report.parity = check_parity(session, report.contract, network, [static] if static else sizes)
    return report


def _check_structure(model: onnx.ModelProto, sidecar: Path | None, source: str) -> ValidationReport:
    report = ValidationReport(source)
    try:
        onnx.checker.check_model(model, full_check=True)
    except Exception as exc:  # ValidationError, InferenceError
        report.error("model", f"onnx.checker rejects the model: {str(exc).splitlines()[0]}", REEXPORT)
    report.opset = _check_opset(model, report)
    report.contract = _check_contract(model, sidecar, report)
    _check_float16(model, report)
    _check_io(model, report)
    _check_nodes(model, report.opset or RECOMMENDED_OPSET, report)
    return report


def static_size(model: onnx.ModelProto) -> tuple[int, int] | None:
    """(width, height) when the image input's H and W are fixed numbers, else None."""
    inputs = _image_inputs(model.graph)
    dims = inputs[0].type.tensor_type.shape.dim if inputs else []
    if len(dims) == 4 and dims[2].HasField("dim_value") and dims[3].HasField("dim_value"):
        return dims[3].dim_value, dims[2].dim_value
    return None


def _check_opset(model: onnx.ModelProto, report: ValidationReport) -> int | None:
    versions = {o.domain or "ai.onnx": o.version for o in model.opset_import}
    opset = versions.get("ai.onnx")
    if opset is None:
        report.error("model", "no default-domain opset is declared", REEXPORT)
    elif opset not in KNOWN_OPSETS:
        report.error(
            "model",
            f"opset {opset} is outside the opsets Barracuda's importer handles ({KNOWN_OPSETS[0]}-{KNOWN_OPSETS[-1]})",
            REEXPORT,
        )
    elif opset != RECOMMENDED_OPSET:
        report.warn("model", f"opset {opset}: Barracuda covers opset {RECOMMENDED_OPSET} best", REEXPORT)
    return opset


def _check_contract(model: onnx.ModelProto, sidecar: Path | None, report: ValidationReport) -> PixelContract | None:
    keys = Counter(p.key for p in model.metadata_props)
    for key, count in keys.items():
        if count > 1:
            report.error(
                f"metadata {key!r}",
                f"the key appears {count} times; Barracuda's importer throws on duplicate metadata keys",
                "keep one entry per key",
            )
    try:
        contract = contract_from_model(model, sidecar)
    except (OnnxModelError, ContractError) as exc:
        message, _, fix = str(exc).partition("; ")
        report.error("contract", message, fix or REEXPORT_HINT)
        return None
    in_metadata = any(key.startswith(METADATA_PREFIX) for key in keys)
    if in_metadata and sidecar is not None and sidecar.exists():
        try:
            beside = PixelContract.from_dict(json.loads(sidecar.read_text())["contract"])
        except (ValueError, KeyError, TypeError):
            beside = None
        if beside is not None and beside != contract:
            report.error(
                "contract",
                f"the metadata and {sidecar.name} describe different contracts",
                "re-export so both are written together, or delete the stale sidecar",
            )
    return contract


def _check_float16(model: onnx.ModelProto, report: ValidationReport) -> None:
    fp16 = {getattr(onnx.TensorProto, name) for name in FLOAT16_TYPES}
    fix = "export fp32 weights (no .half()); Barracuda computes in fp32 anyway"
    for tensor in model.graph.initializer:
        if tensor.data_type in fp16:
            report.error(f"initializer {tensor.name!r}", "holds fp16 data", fix)
    for value in [*model.graph.input, *model.graph.output, *model.graph.value_info]:
        if value.type.tensor_type.elem_type in fp16:
            report.error(f"tensor {value.name!r}", "is declared fp16", fix)
    for index, node in enumerate(model.graph.node):
        attributes = _attributes(node)
        if node.op_type == "Cast" and attributes.get("to") in fp16:
            report.error(node_label(node, index), "casts to fp16", fix)
        if any(isinstance(v, onnx.TensorProto) and v.data_type in fp16 for v in attributes.values()):
            report.error(node_label(node, index), "holds an fp16 constant", fix)


def _check_io(model: onnx.ModelProto, report: ValidationReport) -> None:
    graph = model.graph
    inputs = _image_inputs(graph)
    if len(inputs) != 1 or len(graph.output) != 1:
        report.error(
            "model",
            f"a style model takes one image and returns one; this has {len(inputs)} input(s), "
            f"{len(graph.output)} output(s)",
            "export a single-input, single-output network",
        )
        return
    for value, expected in ((inputs[0], "input"), (graph.output[0], "output")):
        tensor_type = value.type.tensor_type
        dims = [d.dim_value if d.HasField("dim_value") else None for d in tensor_type.shape.dim]
        where = f"{expected} {value.name!r}"
        if value.name != expected:
            report.warn(
                where,
                f"is named {value.name!r}; stylebridge exports name it {expected!r}",
                "nothing needed: stylebridge tools find tensors by position",
            )
        if tensor_type.elem_type != onnx.TensorProto.FLOAT:
            type_name = onnx.TensorProto.DataType.Name(tensor_type.elem_type)
            report.error(where, f"has element type {type_name}, not float32", REEXPORT)
        if not tensor_type.HasField("shape"):
            continue
        if len(dims) != 4 or dims[1] not in (3, None) or dims[0] not in (1, None):
            report.error(where, f"has shape {dims}; expected (1, 3, H, W) RGB NCHW", REEXPORT)
        elif expected == "input" and report.contract is not None and dims[2] is not None and dims[3] is not None:
            multiple = report.contract.size_multiple
            if dims[2] % multiple or dims[3] % multiple:
                report.error(
                    where,
                    f"has a fixed size {dims[3]}x{dims[2]} (WxH) that is not a multiple of {multiple}",
                    "export with a size whose width and height are multiples of the contract's size multiple",
                )


def _image_inputs(graph: onnx.GraphProto) -> list[onnx.ValueInfoProto]:
    """Graph inputs that are not initializers (exports before IR 4 list weights as inputs too)."""
    initializers = {t.name for t in graph.initializer}
    return [i for i in graph.input if i.name not in initializers]


NodeRule = Callable[[onnx.NodeProto, str, dict[str, Any], "_Context"], None]


@dataclass
class _Context:
    report: ValidationReport
    opset: int
    constants: dict[str, np.ndarray | None]  # initializers and Constant outputs (None: value unreadable)
    ranks: dict[str, int]  # tensor ranks that shape inference could work out


def _check_nodes(model: onnx.ModelProto, opset: int, report: ValidationReport) -> None:
    graph = model.graph
    constants: dict[str, np.ndarray | None] = {t.name: _to_array(t) for t in graph.initializer}
    context = _Context(report, opset, constants, _tensor_ranks(model))
    initializers = {t.name for t in graph.initializer}
    producers = {output: node for node in graph.node for output in node.output}
    for index, node in enumerate(graph.node):
        where = node_label(node, index)
        attributes = _attributes(node)
        if node.domain not in ("", "ai.onnx"):
            report.error(where, f"uses the custom domain {node.domain!r}", "export with standard ONNX operators only")
        elif node.op_type not in SUPPORTED_OPS:
            report.error(
                where,
                f"Barracuda has no importer for {node.op_type} (the import throws, or with "
                "treatErrorsAsWarnings silently becomes Identity)",
                "replace the layer with supported operators (see pipeline/barracuda_ops.py), or " + REEXPORT,
            )
        else:
            for position in CONSTANT_INPUTS.get(node.op_type, ()):
                name = node.input[position] if position < len(node.input) else ""
                if not name or name in constants:
                    continue
                if constant_subgraph(name, producers, initializers) is None:
                    report.error(
                        where,
                        f"input {position} ({name!r}) depends on the input image; Barracuda imports only a constant",
                        "make the value constant in the network (at opset 9 pads and scales are attributes/constants)",
                    )
                else:
                    report.error(
                        where,
                        f"input {position} ({name!r}) is computed by nodes; Barracuda imports only a constant there",
                        REEXPORT + ", which folds such nodes into an initializer",
                    )
            rule = _RULES.get(node.op_type)
            if rule is not None:
                rule(node, where, attributes, context)
        if node.op_type == "Constant":
            value = attributes.get("value")
            constants[node.output[0]] = _to_array(value) if isinstance(value, onnx.TensorProto) else None


def _check_pad(node: onnx.NodeProto, where: str, attributes: dict[str, Any], context: _Context) -> None:
    mode = _text(attributes.get("mode", b"constant"))
    if mode not in PAD_MODES:
        context.report.error(where, f"pad mode {mode!r} is not supported", f"use one of {', '.join(PAD_MODES)}")
    if context.opset < 11:
        pads = attributes.get("pads")
    else:
        pads = context.constants.get(node.input[1]) if len(node.input) > 1 else None
    if pads is None and context.opset < 11:
        context.report.error(where, "has no pads attribute", REEXPORT)
    elif pads is not None and len(pads) == 8 and any(int(pads[i]) for i in (0, 1, 4, 5)):
        context.report.error(where, f"pads the batch or channel axis ({list(pads)})", "pad H and W only")


def _check_scales(scales: np.ndarray | None, where: str, context: _Context) -> None:
    if scales is None or scales.size == 0:
        return
    if not np.all(scales == np.round(scales)):
        context.report.error(
            where,
            f"scales {scales.tolist()} are not integers; Barracuda rounds them (with a warning)",
            "upsample by an integer factor",
        )
    elif scales.size == 4 and (scales[0] != 1 or scales[1] != 1):
        context.report.error(where, f"scales {scales.tolist()} resize the batch or channel axis", "scale H and W only")


def _check_upsample(node: onnx.NodeProto, where: str, attributes: dict[str, Any], context: _Context) -> None:
    mode = _text(attributes.get("mode", b"nearest"))
    if mode not in UPSAMPLE_MODES:
        context.report.error(where, f"mode {mode!r} is not supported", "use nearest or linear")
    if "scales" in attributes:  # opset 7/8
        _check_scales(np.asarray(attributes["scales"]), where, context)
    elif len(node.input) > 1:
        _check_scales(context.constants.get(node.input[1]), where, context)


def _check_resize(node: onnx.NodeProto, where: str, attributes: dict[str, Any], context: _Context) -> None:
    mode = _text(attributes.get("mode", b"nearest"))
    if mode not in RESIZE_MODES:
        context.report.error(where, f"mode {mode!r} is not supported", "use nearest or linear")
    for name, default in RESIZE_IGNORED_ATTRIBUTES.items():
        if name in attributes and _text(attributes[name]) != default:
            context.report.error(
                where,
                f"{name}={_text(attributes[name])!r} is ignored by Barracuda, which uses {default!r} instead "
                "and so computes something else than ONNX Runtime",
                f"export with opset 9 (Upsample), or leave {name} at its default",
            )
    scales_position = 1 if context.opset < 11 else 2
    if scales_position < len(node.input) and node.input[scales_position]:
        _check_scales(context.constants.get(node.input[scales_position]), where, context)


def _check_conv(node: onnx.NodeProto, where: str, attributes: dict[str, Any], context: _Context) -> None:
    group = attributes.get("group", 1)
    weight = context.constants.get(node.input[1])
    if group != 1 and weight is not None and not (weight.shape[1] == 1 and weight.shape[0] == group):
        context.report.error(
            where,
            f"group={group} is neither 1 nor depthwise; Barracuda supports only those",
            "use group=1 or a depthwise convolution",
        )


def _check_conv_transpose(node: onnx.NodeProto, where: str, attributes: dict[str, Any], context: _Context) -> None:
    for name, unused in CONV_TRANSPOSE_UNSUPPORTED.items():
        value = attributes.get(name)
        if value is not None and (unused is None or any(v != unused for v in np.atleast_1d(value))):
            context.report.error(where, f"{name}={value} is not supported by Barracuda", f"remove {name}")


def _check_concat(node: onnx.NodeProto, where: str, attributes: dict[str, Any], context: _Context) -> None:
    if context.ranks.get(node.output[0]) == 4 and attributes.get("axis") not in (1, -3):
        context.report.error(
            where,
            f"concatenates on axis {attributes.get('axis')}; Barracuda (NHWC inside) handles image concat on channels",
            "concatenate on the channel axis (1)",
        )


def _check_constant(node: onnx.NodeProto, where: str, attributes: dict[str, Any], context: _Context) -> None:
    if "value" not in attributes:
        context.report.error(where, f"uses {', '.join(attributes)}; Barracuda reads only 'value'", REEXPORT)


_RULES: dict[str, NodeRule] = {
    "Pad": _check_pad,
    "Upsample": _check_upsample,
    "Resize": _check_resize,
    "Conv": _check_conv,
    "ConvTranspose": _check_conv_transpose,
    "Concat": _check_concat,
    "Constant": _check_constant,
}


def _tensor_ranks(model: onnx.ModelProto) -> dict[str, int]:
    try:
        inferred = onnx.shape_inference.infer_shapes(model).graph
    except Exception:  # inference fails on broken graphs, which onnx.checker has reported already
        inferred = model.graph
    values = [*inferred.input, *inferred.output, *inferred.value_info]
    return {v.name: len(v.type.tensor_type.shape.dim) for v in values if v.type.tensor_type.HasField("shape")}


def _attributes(node: onnx.NodeProto) -> dict[str, Any]:
    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def _text(value: Any) -> Any:
    return value.decode() if isinstance(value, bytes) else value


def _to_array(tensor: onnx.TensorProto) -> np.ndarray | None:
    try:
        return numpy_helper.to_array(tensor)
    except Exception:  # external or malformed data: the value is unknown, the tensor is still constant
        return None
