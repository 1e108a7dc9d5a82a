# SPDX-License-Identifier: GPL-3.0-or-later
"""Precision, path and module tags of an imported model (DESIGN.md section 3).

QONNX has no notion of a Blend module; the graph does. Every `add` of two tensors closes
a unit: the layers between the add and the latest layer both of its inputs depend on
form the unit's two branches. The branch holding a binary conv/FC is the *main* path,
the other the *skip* path; the add and the batchnorm/transposes that only it feeds are
the *merge*. A unit is a `blend` module when its skip path has a fixed-point conv/FC
(BlendNet), `mixer` when it works on tokens/channels with FC layers (MLP-Mixer),
`residual` otherwise (an identity or pooled shortcut). Untagged layers before the first
unit are the stem, after the last one the head, in between merge.
"""

from collections import OrderedDict

BINARY_KINDS = ("conv_binary", "fc_binary", "sign", "thermometer")
LINEAR_KINDS = ("conv_binary", "fc_binary", "conv_fixed", "fc_fixed")


def tag(model):
    layers = model.layers
    by_name = {l.name: l for l in layers}
    _precisions(layers, by_name)
    ancestors = {}
    for l in layers:
        a = set()
        for i in l.inputs:
            if i != "input":
                a |= ancestors[i] | {i}
        ancestors[l.name] = a
    module_of, path = {}, {}
    modules = OrderedDict()
    for l in layers:
        if l.kind == "add":
            _unit(l, layers, by_name, ancestors, module_of, path, modules)
    order = {l.name: i for i, l in enumerate(layers)}
    placed = [order[n] for n in module_of]
    first, last = (min(placed), max(placed)) if placed else (len(layers), -1)
    for i, l in enumerate(layers):
        if l.name in module_of:
            l.module, l.path = module_of[l.name], path[l.name]
        else:
            l.module = None
            l.path = "stem" if i < first else "head" if i > last else "merge"
    model.modules = modules


def _precisions(layers, by_name):
    binary = {}
    for l in layers:
        if l.kind in BINARY_KINDS:
            b = True
        elif l.kind in ("transpose", "concat"):
            b = all(i != "input" and binary[i] and by_name[i].kind not in LINEAR_KINDS
                    for i in l.inputs) and _bits(l, by_name)
        else:
            b = False
        binary[l.name] = b
        l.precision = "binary" if b else "fixed"


def _bits(l, by_name):
    """Does a transpose/concat move bits (its inputs are sign/thermometer outputs)?"""
    src = by_name[l.inputs[0]]
    while src.kind in ("transpose", "concat"):
        src = by_name[src.inputs[0]]
    return src.kind in ("sign", "thermometer")


def _unit(add, layers, by_name, ancestors, module_of, path, modules):
    sets = [ancestors[i] | {i} if i != "input" else set() for i in add.inputs]
    common = sets[0] & sets[1]
    branches = [s - common for s in sets]
    members = branches[0] | branches[1]
    if any(n in module_of for n in members):
        return                         # nested in a unit already tagged: leave it there
    binary = [any(by_name[n].kind in ("conv_binary", "fc_binary") for n in b) for b in branches]
    linear = [any(by_name[n].kind in LINEAR_KINDS for n in b) for b in branches]
    main = 0 if binary[0] or (not binary[1] and len(branches[0]) >= len(branches[1])) else 1
    skip = 1 - main
    fc_or_t = any(by_name[n].kind in ("fc_binary", "fc_fixed", "transpose") for n in members)
    if fc_or_t:
        kind = "mixer"
    elif binary[main] and linear[skip] and not binary[skip]:
        kind = "blend"
    else:
        kind = "residual"
    name = f"{kind}{sum(1 for k in modules.values() if k == kind)}"
    modules[name] = kind
    for n in branches[main]:
        module_of[n], path[n] = name, "main"
    for n in branches[skip]:
        module_of[n], path[n] = name, "skip"
    module_of[add.name], path[add.name] = name, "merge"
    # the requantising batchnorm and the transposes that only the add feeds are the merge
    cur, bns = add.name, 0
    while True:
        readers = [l for l in layers if cur in l.inputs]
        if len(readers) != 1 or readers[0].kind not in ("batchnorm", "transpose"):
            break
        bns += readers[0].kind == "batchnorm"
        if bns > 1:
            break
        cur = readers[0].name
        module_of[cur], path[cur] = name, "merge"
