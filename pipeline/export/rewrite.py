"""Rewrite what PyTorch's ONNX exporter writes into graphs Barracuda's importer accepts.

Three things need fixing, all without changing what the graph computes:

* `Identity` nodes fed by initializers. The TorchScript exporter stores bit-identical tensors once
  and re-creates the copies through Identity nodes; a fresh network (every InstanceNorm weight 1,
  every bias 0) gets dozens. Barracuda does not look through Identity, sees a non-constant norm
  weight and refuses to import. Each becomes a copied initializer.
* Computed values where Barracuda reads a constant (`CONSTANT_INPUTS`): from opset 11 a reflection
  pad's `pads` is a 15-node subgraph, and opset-9 Upsample scales come from Constant nodes. A
  subgraph that depends on no graph input is evaluated once and stored as an initializer.
  (From opset 11 ONNX only allows pads as an input, so a constant input is the attribute's equivalent.)
* Resize-11/13 nearest upsampling by integer factors, written as `asymmetric`/`floor`. Barracuda
  ignores those attributes (with a warning) and uses `half_pixel`/`round_prefer_floor`; for integer
  factors both pick the same source pixel, so the attributes are dropped.

A value that depends on the image (a pad computed from the input's shape, say) cannot be made
constant: `RewriteError` says so and names the node.
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import helper, numpy_helper
from onnx.reference import ReferenceEvaluator

from pipeline.core.errors import StylebridgeError
from pipeline.export.barracuda_ops import CONSTANT_INPUTS


class RewriteError(StylebridgeError, ValueError):
    """An exported graph holds something Barracuda cannot import and no rewrite can fix."""


def node_label(node: onnx.NodeProto, index: int) -> str:
    """How problems name a node: its name, else its op type and position."""
    return f"{node.op_type} node {node.name!r}" if node.name else f"{node.op_type} node #{index}"


def make_barracuda_safe(model: onnx.ModelProto) -> list[str]:
    """Rewrite `model` in place; returns one line per change, for the log."""
    changes = _inline_identity_initializers(model.graph)
    changes += _fold_constant_inputs(model)
    changes += _drop_equivalent_resize_attributes(model.graph)
    removed = _prune_unused(model.graph)
    if removed:
        changes.append(f"removed {removed} nodes left unused by the rewrites")
    return changes


def _inline_identity_initializers(graph: onnx.GraphProto) -> list[str]:
    initializers = {t.name: t for t in graph.initializer}
    graph_outputs = {o.name for o in graph.output}
    kept, changes = [], []
    for node in graph.node:
        source = initializers.get(node.input[0]) if node.op_type == "Identity" else None
        if source is None or node.output[0] in graph_outputs:
            kept.append(node)
            continue
        copy = onnx.TensorProto()
        copy.CopyFrom(source)
        copy.name = node.output[0]
        graph.initializer.append(copy)
        initializers[copy.name] = copy
        changes.append(f"Identity({source.name}) -> initializer {copy.name}")
    _replace_nodes(graph, kept)
    return changes


def _fold_constant_inputs(model: onnx.ModelProto) -> list[str]:
    graph = model.graph
    initializers = {t.name for t in graph.initializer}
    producers = {output: node for node in graph.node for output in node.output}
    changes = []
    for index, node in enumerate(graph.node):
        for position in CONSTANT_INPUTS.get(node.op_type, ()):
            name = node.input[position] if position < len(node.input) else ""
            if not name or name in initializers:
                continue
            subgraph = constant_subgraph(name, producers, initializers)
            if subgraph is None:
                raise RewriteError(
                    f"{node_label(node, index)}: input {position} ({name!r}) is computed from the image at run "
                    "time, but Barracuda only imports a constant there. Export with --opset 9, or change the "
                    "network so that this value does not depend on the input"
                )
            graph.initializer.append(numpy_helper.from_array(_evaluate(model, subgraph, name), name))
            initializers.add(name)
            changes.append(f"{node_label(node, index)}: input {name!r} folded into an initializer")
    return changes


def constant_subgraph(
    name: str, producers: dict[str, onnx.NodeProto], initializers: set[str]
) -> list[onnx.NodeProto] | None:
    """The nodes computing `name` in graph order, or None when any of them reads a graph input."""
    needed: dict[int, onnx.NodeProto] = {}
    stack = [name]
    while stack:
        tensor = stack.pop()
        if not tensor or tensor in initializers:
            continue
        node = producers.get(tensor)
        if node is None:  # a graph input
            return None
        if id(node) not in needed:
            needed[id(node)] = node
            stack.extend(node.input)
    order = {id(node): i for i, node in enumerate(producers.values())}
    return sorted(needed.values(), key=lambda node: order[id(node)])


def _evaluate(model: onnx.ModelProto, nodes: list[onnx.NodeProto], output: str) -> np.ndarray:
    used = {tensor for node in nodes for tensor in node.input}
    subgraph = helper.make_graph(
        nodes,
        "fold",
        inputs=[],
        outputs=[helper.make_empty_tensor_value_info(output)],
        initializer=[t for t in model.graph.initializer if t.name in used],
    )
    sub = helper.make_model(subgraph, opset_imports=model.opset_import, ir_version=model.ir_version)
    (value,) = ReferenceEvaluator(sub).run(None, {})
    return np.asarray(value)


def _drop_equivalent_resize_attributes(graph: onnx.GraphProto) -> list[str]:
    values = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    changes = []
    for index, node in enumerate(graph.node):
        if node.op_type != "Resize" or len(node.input) < 3:  # Resize-10 has no such attributes
            continue
        attributes = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        scales = values.get(node.input[2])
        if (
            attributes.get("mode") == b"nearest"
            and attributes.get("coordinate_transformation_mode") == b"asymmetric"
            and attributes.get("nearest_mode") == b"floor"
            and scales is not None
            and scales.size > 0
            and np.all(scales == np.round(scales))
            and np.all(scales >= 1)
        ):
            kept = [a for a in node.attribute if a.name not in ("coordinate_transformation_mode", "nearest_mode")]
            del node.attribute[:]
            node.attribute.extend(kept)
            changes.append(f"{node_label(node, index)}: integer nearest resize, asymmetric/floor attributes dropped")
    return changes


def _prune_unused(graph: onnx.GraphProto) -> int:
    """Remove nodes replaced by initializers, then nodes whose outputs nothing reads, then initializers
    nothing reads; returns the number of nodes removed."""
    graph_outputs = {o.name for o in graph.output}
    initializers = {t.name for t in graph.initializer}
    before = len(graph.node)
    _replace_nodes(graph, [node for node in graph.node if not set(node.output) <= initializers])
    while True:
        read = {tensor for node in graph.node for tensor in node.input} | graph_outputs
        kept = [node for node in graph.node if any(output in read for output in node.output)]
        if len(kept) == len(graph.node):
            break
        _replace_nodes(graph, kept)
    kept_initializers = [t for t in graph.initializer if t.name in read]
    del graph.initializer[:]
    graph.initializer.extend(kept_initializers)
    produced = {output for node in graph.node for output in node.output}
    kept_info = [v for v in graph.value_info if v.name in produced]
    del graph.value_info[:]
    graph.value_info.extend(kept_info)
    return before - len(graph.node)


def _replace_nodes(graph: onnx.GraphProto, nodes: list[onnx.NodeProto]) -> None:
    copies = [onnx.NodeProto() for _ in nodes]
    for copy, node in zip(copies, nodes, strict=True):
        copy.CopyFrom(node)
    del graph.node[:]
    graph.node.extend(copies)
