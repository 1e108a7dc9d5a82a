# SPDX-License-Identifier: GPL-3.0-or-later
"""Reading a QONNX file into a checked, topologically ordered graph (docs/import.md).

Everything that concerns the file as a file is refused here with one line: not ONNX,
truncated, no single float input/output, a node reading a tensor nobody produces (a
missing initializer), a cycle. The mapping onto .bsm layers is qonnx_import.py.
"""

import warnings
from dataclasses import dataclass, field

import numpy as np

# The exporters wrote the quantisation ops under three domain names over the years.
QONNX_DOMAINS = ("onnx.brevitas", "finn.custom_op.general", "qonnx.custom_op.general")
STANDARD_DOMAINS = ("", "ai.onnx")


class QonnxError(ValueError):
    """A QONNX file that cannot be read or mapped: one line, what and where."""


def refuse(node, reason):
    """The refusal for a node the importer cannot map: node name, op and reason."""
    return QonnxError(f"node '{node.name or node.output[0]}' ({node.op_type}): {reason}")


@dataclass
class Graph:
    input_name: str
    input_shape: tuple          # without the batch dimension
    output_name: str
    nodes: list                 # onnx NodeProto, topologically ordered
    consts: dict = field(default_factory=dict)   # tensor name -> float64/int64 ndarray
    consumers: dict = field(default_factory=dict)  # tensor name -> [NodeProto]
    opset: dict = field(default_factory=dict)


def _onnx():
    try:
        import onnx
    except ImportError:
        raise QonnxError("python3-onnx is not installed (apt install python3-onnx)") from None
    return onnx


def load(path):
    """Parse and check `path`; returns a Graph or raises QonnxError."""
    onnx = _onnx()
    try:
        with open(path, "rb") as f:
            blob = f.read()
    except OSError as e:
        raise QonnxError(f"{path}: cannot read ({e.strerror})") from None
    if not blob:
        raise QonnxError(f"{path}: empty file, not an ONNX model")
    try:
        with warnings.catch_warnings():
            # the pure-Python protobuf only warns about some garbage: make that an error too
            warnings.simplefilter("error")
            model = onnx.ModelProto()
            model.ParseFromString(blob)
    except Exception as e:  # noqa: BLE001 - protobuf raises DecodeError, RuntimeWarning and friends
        raise QonnxError(f"{path}: not an ONNX model or truncated ({type(e).__name__})") from None
    if not model.HasField("graph") or len(model.graph.node) == 0:
        raise QonnxError(f"{path}: not an ONNX model (no graph or no nodes)")
    return from_model(model)


def from_model(model):
    from onnx import numpy_helper
    g = model.graph
    _names_are_text(g)
    consts = {}
    for init in g.initializer:
        try:
            consts[init.name] = numpy_helper.to_array(init)
        except Exception as e:  # noqa: BLE001 - a truncated raw_data, an unknown type
            raise QonnxError(f"initializer '{init.name}': unreadable ({e})".splitlines()[0]) from None
    for n in g.node:
        if n.op_type == "Constant":
            _constant_node(n, consts)
    inputs = [i for i in g.input if i.name not in consts]
    if len(inputs) != 1:
        raise QonnxError(f"the graph has {len(inputs)} non-constant inputs; blendscope models take "
                         f"one image tensor")
    if len(g.output) != 1:
        raise QonnxError(f"the graph has {len(g.output)} outputs; blendscope models have one (the logits)")
    shape = _input_shape(inputs[0])
    nodes = _toposort([n for n in g.node if n.op_type != "Constant"], set(consts) | {inputs[0].name})
    consumers = {}
    for n in nodes:
        for t in n.input:
            consumers.setdefault(t, []).append(n)
    produced = {o for n in nodes for o in n.output} | {inputs[0].name}
    if g.output[0].name not in produced:
        raise QonnxError(f"graph output '{g.output[0].name}' is not produced by any node")
    opset = {o.domain: o.version for o in model.opset_import}
    return Graph(inputs[0].name, shape, g.output[0].name, nodes, consts, consumers, opset)


def _names_are_text(g):
    """The pure-Python protobuf hands out invalid UTF-8 strings as bytes: refuse them."""
    names = [g.name] + [i.name for i in list(g.input) + list(g.output) + list(g.initializer)]
    for n in g.node:
        names += [n.name, n.op_type, n.domain] + list(n.input) + list(n.output)
    if any(not isinstance(x, str) for x in names):
        raise QonnxError("a name in the graph is not valid UTF-8 (damaged file?)")


def _constant_node(n, consts):
    from onnx import numpy_helper
    for a in n.attribute:
        if a.name == "value":
            consts[n.output[0]] = numpy_helper.to_array(a.t)
            return
        if a.name in ("value_float", "value_int"):
            consts[n.output[0]] = np.array(a.f if a.name == "value_float" else a.i)
            return
        if a.name in ("value_floats", "value_ints"):
            consts[n.output[0]] = np.array(list(a.floats) if a.name == "value_floats" else list(a.ints))
            return
    raise refuse(n, "Constant without a tensor, float or int value")


def _input_shape(vi):
    t = vi.type.tensor_type
    if not vi.type.HasField("tensor_type") or t.elem_type != 1:   # 1 = FLOAT
        raise QonnxError(f"graph input '{vi.name}' is not a float tensor")
    dims = [d.dim_value if d.HasField("dim_value") else None for d in t.shape.dim]
    if len(dims) != 4 or any(d is None or d < 1 for d in dims[1:]):
        raise QonnxError(f"graph input '{vi.name}' has shape {dims}; blendscope takes images "
                         f"(N, C, H, W) with known C, H, W")
    return tuple(dims[1:])


def _toposort(nodes, available):
    """Kahn's order; a node whose input no node produces names the missing tensor, a
    leftover set of nodes is a cycle."""
    producer = {}
    for n in nodes:
        for o in n.output:
            if o in producer or o in available:
                raise refuse(n, f"tensor '{o}' is produced twice")
            producer[o] = n
    for n in nodes:
        for t in n.input:
            if t and t not in producer and t not in available:
                raise refuse(n, f"input '{t}' is neither an initializer, the graph input nor any "
                                f"node's output (missing initializer?)")
    done, order, pending = set(available), [], list(nodes)
    while pending:
        ready = [n for n in pending if all((not t) or t in done for t in n.input)]
        if not ready:
            names = ", ".join(f"'{n.name or n.output[0]}'" for n in pending[:4])
            raise QonnxError(f"the graph has a cycle (through {names})")
        ready_ids = {id(n) for n in ready}
        pending = [n for n in pending if id(n) not in ready_ids]
        for n in ready:
            order.append(n)
            done.update(n.output)
    return order


def attrs(node):
    """A node's attributes as Python values."""
    from onnx import helper
    return {a.name: (v.decode() if isinstance(v := helper.get_attribute_value(a), bytes) else v)
            for a in node.attribute}


def is_qonnx_op(node, *names):
    return node.op_type in names and node.domain in QONNX_DOMAINS


def check_domain(node):
    if node.domain not in STANDARD_DOMAINS + QONNX_DOMAINS:
        raise refuse(node, f"unknown domain '{node.domain}' (QONNX ops are accepted from "
                           f"{', '.join(QONNX_DOMAINS)})")
