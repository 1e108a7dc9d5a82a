# SPDX-License-Identifier: GPL-3.0-or-later
"""Reader and writer of blendscope model files (.bsm), version 1.

Written from docs/model-format.md only (it is the contract; the C reader is written
against it independently). A model is held as plain Python data:

    Model(name, input_shape=(C, H, W), labels=[...], description, provenance={...},
          modules={name: kind}, tensors={name: Tensor}, layers=[Layer, ...])

Tensor data is a numpy array of the tensor's shape: int8/int16/int32/int64 for the
integer dtypes, int8 holding +1/-1 for u1 (packed on disk LSB-first, bit 1 = -1).

`read()` checks everything that concerns the file as a file (preamble, lengths,
checksum, key-file syntax, groups and keys, tensor placement and sizes, parameter
ranges); the graph-level checks (types, shapes, overflow bounds) are in
`intref.check()`. `write()` is deterministic: the same Model gives the same bytes.
"""

import configparser
import hashlib
import io
import os
import re
import struct
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np

MAGIC = b"\x89BSM\r\n\x1a\n"
VERSION = 1
PREAMBLE = 128
ALIGN = 64

DTYPES = {  # name -> (numpy dtype, bytes per element or None for packed bits)
    "u1": (np.int8, None),
    "i8": (np.dtype("<i1"), 1),
    "i16": (np.dtype("<i2"), 2),
    "i32": (np.dtype("<i4"), 4),
    "i64": (np.dtype("<i8"), 8),
}

LAYER_KINDS = (
    "quantize_input", "thermometer", "conv_fixed", "conv_binary", "fc_fixed",
    "fc_binary", "batchnorm", "sign", "add", "avgpool", "global_avgpool", "concat",
    "transpose",
)
PRECISIONS = ("binary", "fixed", "float")
PATHS = ("stem", "main", "skip", "merge", "head")
MODULE_KINDS = ("blend", "residual", "mixer")

# per kind: (number of inputs, [(key, type, required, default)]) in the order the
# writer emits them.  type: 'int' | 'bool' | 'tensor'
_I, _B, _T = "int", "bool", "tensor"
LAYER_SCHEMA = {
    "quantize_input": (1, []),
    "thermometer": (1, [("levels", _I, False, 32)]),
    "conv_fixed": (1, [("out_channels", _I, True, None), ("kernel", _I, True, None),
                       ("stride", _I, True, None), ("pad", _I, True, None),
                       ("wbits", _I, True, None), ("weights", _T, True, None),
                       ("bias", _T, False, None)]),
    "conv_binary": (1, [("out_channels", _I, True, None), ("kernel", _I, True, None),
                        ("stride", _I, True, None), ("pad", _I, True, None),
                        ("weights", _T, True, None)]),
    "fc_fixed": (1, [("out_channels", _I, True, None), ("wbits", _I, True, None),
                     ("weights", _T, True, None), ("bias", _T, False, None)]),
    "fc_binary": (1, [("out_channels", _I, True, None), ("weights", _T, True, None)]),
    "batchnorm": (1, [("mul", _T, True, None), ("add", _T, True, None),
                      ("shift", _T, True, None), ("out_bits", _I, True, None),
                      ("relu", _B, False, False)]),
    "sign": (1, []),
    "add": (2, []),
    "avgpool": (1, [("kernel", _I, True, None), ("stride", _I, True, None)]),
    "global_avgpool": (1, []),
    "concat": (2, []),
    "transpose": (1, []),
}
COMMON_KEYS = ("kind", "precision", "path", "inputs", "module")
MODEL_KEYS = ("name", "input", "labels", "description")

_NAME_RE = re.compile(r"^[A-Za-z0-9_.+\-:/@]+$")


class BsmError(ValueError):
    """A malformed .bsm file or model: what, where, why."""


@dataclass
class Tensor:
    name: str
    dtype: str
    data: np.ndarray  # shaped; int8 +-1 for u1

    @property
    def shape(self):
        return tuple(int(s) for s in self.data.shape)


@dataclass
class Layer:
    name: str
    kind: str
    inputs: list
    precision: str = "fixed"
    path: str = "main"
    module: str = None
    params: dict = field(default_factory=dict)  # schema keys -> int/bool/tensor name


@dataclass
class Model:
    name: str
    input_shape: tuple
    labels: list = field(default_factory=list)
    description: str = ""
    provenance: dict = field(default_factory=OrderedDict)
    modules: dict = field(default_factory=OrderedDict)   # name -> kind
    tensors: dict = field(default_factory=OrderedDict)   # name -> Tensor
    layers: list = field(default_factory=list)

    def layer(self, name):
        for l in self.layers:
            if l.name == name:
                return l
        raise KeyError(name)

    def tensor(self, name):
        return self.tensors[name].data

    def add_tensor(self, name, dtype, data):
        if name in self.tensors:
            raise BsmError(f"tensor '{name}' defined twice")
        data = np.asarray(data)
        if dtype == "u1":
            if not np.all((data == 1) | (data == -1)):
                raise BsmError(f"tensor '{name}': u1 values must be +1 or -1")
            data = data.astype(np.int8)
        else:
            info = np.iinfo(DTYPES[dtype][0])
            if data.size and (data.min() < info.min or data.max() > info.max):
                raise BsmError(f"tensor '{name}': values do not fit {dtype}")
            data = data.astype(DTYPES[dtype][0])
        self.tensors[name] = Tensor(name, dtype, np.ascontiguousarray(data))
        return name


# ----------------------------------------------------------------------------- helpers

def align64(n):
    return (n + ALIGN - 1) // ALIGN * ALIGN


def packed_size(dtype, shape):
    n = 1
    for s in shape:
        n *= int(s)
    per = DTYPES[dtype][1]
    return (n + 7) // 8 if per is None else n * per


def _encode(t: Tensor) -> bytes:
    if t.dtype == "u1":
        bits = (t.data.reshape(-1) < 0).astype(np.uint8)
        return np.packbits(bits, bitorder="little").tobytes()
    return t.data.astype(DTYPES[t.dtype][0]).tobytes()


def _decode(name, dtype, shape, raw: bytes) -> np.ndarray:
    n = int(np.prod(shape, dtype=np.int64))
    if dtype == "u1":
        bits = np.unpackbits(np.frombuffer(raw, dtype=np.uint8), bitorder="little")
        if np.any(bits[n:]):
            raise BsmError(f"tensor '{name}': unused bits of the last byte are not 0")
        return (1 - 2 * bits[:n].astype(np.int8)).reshape(shape)
    return np.frombuffer(raw, dtype=DTYPES[dtype][0]).astype(DTYPES[dtype][0]).reshape(shape)


# GLib key-file string escapes (\s \n \t \r \\, and \; inside lists)
def _escape(s, in_list=False):
    out = []
    for i, ch in enumerate(s):
        if ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ch == " " and i == 0:
            out.append("\\s")
        elif ch == ";" and in_list:
            out.append("\\;")
        else:
            out.append(ch)
    return "".join(out)


def _unescape_split(s, in_list):
    items, cur, i = [], [], 0
    table = {"s": " ", "n": "\n", "t": "\t", "r": "\r", "\\": "\\", ";": ";"}
    while i < len(s):
        ch = s[i]
        if ch == "\\" and i + 1 < len(s) and s[i + 1] in table and (s[i + 1] != ";" or in_list):
            cur.append(table[s[i + 1]])
            i += 2
            continue
        if ch == ";" and in_list:
            items.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
        i += 1
    if not in_list:
        return "".join(cur)
    if cur or not items:
        items.append("".join(cur))
    # GLib lists may end with a separator: "a;b;"
    return items


def _parse_int(where, key, v, lo=None, hi=None):
    if not re.fullmatch(r"[+-]?[0-9]+", v.strip()):
        raise BsmError(f"{where}: key '{key}': '{v}' is not an integer")
    x = int(v)
    if (lo is not None and x < lo) or (hi is not None and x > hi):
        raise BsmError(f"{where}: key '{key}' = {x} is out of range [{lo}, {hi}]")
    return x


def _parse_bool(where, key, v):
    v = v.strip()
    if v in ("true", "1"):
        return True
    if v in ("false", "0"):
        return False
    raise BsmError(f"{where}: key '{key}': '{v}' is not a boolean (true/false)")


def _int_list(where, key, v):
    items = _unescape_split(v, True)
    if items and items[-1] == "" and len(items) > 1:
        items = items[:-1]
    return [_parse_int(where, key, x) for x in items]


def _str_list(v):
    items = _unescape_split(v, True)
    if items and items[-1] == "" and len(items) > 1:
        items = items[:-1]
    if items == [""]:
        return []
    return items


# ----------------------------------------------------------------------------- reading

def read(source) -> Model:
    """Read and check a .bsm file (a path or bytes). Raises BsmError."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        buf = bytes(source)
    else:
        with open(source, "rb") as f:
            buf = f.read()
    if len(buf) < PREAMBLE:
        raise BsmError(f"file is {len(buf)} bytes, shorter than the {PREAMBLE}-byte preamble")
    if buf[:8] != MAGIC:
        raise BsmError("offset 0: bad magic (not a .bsm file, or mangled by a text-mode transfer)")
    version, flags, hlen, doff, dlen = struct.unpack_from("<IIQQQ", buf, 8)
    if version != VERSION:
        raise BsmError(f"offset 8: format version {version}, only {VERSION} is known")
    if flags != 0:
        raise BsmError(f"offset 12: unknown flags 0x{flags:08x}")
    if doff != align64(PREAMBLE + hlen):
        raise BsmError(f"offset 24: data offset {doff} != align64(128 + header length {hlen})")
    if doff + dlen != len(buf):
        raise BsmError(f"offset 32: data offset {doff} + data length {dlen} != file size {len(buf)}")
    digest = hashlib.sha256(buf[PREAMBLE:]).digest()
    if digest != buf[40:72]:
        raise BsmError("offset 40: SHA-256 mismatch (file corrupt or truncated)")
    try:
        text = buf[PREAMBLE:PREAMBLE + hlen].decode("utf-8")
    except UnicodeDecodeError as e:
        raise BsmError(f"offset {PREAMBLE + e.start}: header is not valid UTF-8") from None
    return parse_header(text, buf[doff:doff + dlen])


def _keyfile(text):
    cp = configparser.ConfigParser(
        interpolation=None, strict=True, delimiters=("=",), comment_prefixes=("#",),
        inline_comment_prefixes=None, empty_lines_in_values=False,
        default_section="\x00no default section\x00")
    cp.optionxform = str
    try:
        cp.read_string(text)
    except configparser.Error as e:
        raise BsmError(f"header: {e}".replace("\n", " ")) from None
    return cp


def parse_header(text, data: bytes) -> Model:
    cp = _keyfile(text)
    sections = cp.sections()
    if "model" not in sections:
        raise BsmError("header: no [model] group")
    g = cp["model"]
    for k in g:
        if k not in MODEL_KEYS:
            raise BsmError(f"[model]: unknown key '{k}'")
    for k in ("name", "input"):
        if k not in g:
            raise BsmError(f"[model]: missing key '{k}'")
    inp = _int_list("[model]", "input", g["input"])
    if len(inp) != 3 or min(inp) < 1:
        raise BsmError(f"[model]: input must be C;H;W with positive values, got {g['input']}")
    m = Model(name=_unescape_split(g["name"], False), input_shape=tuple(inp),
              labels=_str_list(g.get("labels", "")),
              description=_unescape_split(g.get("description", ""), False))

    tensor_groups, layer_groups = [], []
    for s in sections:
        if s == "model":
            continue
        if s == "provenance":
            for k, v in cp[s].items():
                m.provenance[k] = _unescape_split(v, False)
        elif s.startswith("module "):
            name = s[len("module "):]
            keys = list(cp[s].keys())
            for k in keys:
                if k != "kind":
                    raise BsmError(f"[{s}]: unknown key '{k}'")
            kind = cp[s].get("kind")
            if kind not in MODULE_KINDS:
                raise BsmError(f"[{s}]: kind must be one of {'/'.join(MODULE_KINDS)}, got {kind!r}")
            m.modules[name] = kind
        elif s.startswith("tensor "):
            tensor_groups.append(s)
        elif s.startswith("layer "):
            layer_groups.append(s)
        else:
            raise BsmError(f"header: unknown group [{s}]")

    # tensors
    spans = []
    for s in tensor_groups:
        name = s[len("tensor "):]
        g = cp[s]
        for k in g:
            if k not in ("dtype", "shape", "offset", "size"):
                raise BsmError(f"[{s}]: unknown key '{k}'")
        for k in ("dtype", "shape", "offset", "size"):
            if k not in g:
                raise BsmError(f"[{s}]: missing key '{k}'")
        dtype = g["dtype"].strip()
        if dtype not in DTYPES:
            raise BsmError(f"[{s}]: unknown dtype '{dtype}'")
        shape = _int_list(f"[{s}]", "shape", g["shape"])
        if not shape or min(shape) < 1:
            raise BsmError(f"[{s}]: shape must be a non-empty list of positive integers")
        off = _parse_int(f"[{s}]", "offset", g["offset"], 0)
        size = _parse_int(f"[{s}]", "size", g["size"], 0)
        if off % ALIGN:
            raise BsmError(f"[{s}]: offset {off} is not a multiple of {ALIGN}")
        if size != packed_size(dtype, shape):
            raise BsmError(f"[{s}]: size {size} != packed size {packed_size(dtype, shape)} of {dtype} {shape}")
        if off + size > len(data):
            raise BsmError(f"[{s}]: bytes [{off}, {off + size}) lie outside the data region ({len(data)} bytes)")
        spans.append((off, off + size, name))
        m.tensors[name] = Tensor(name, dtype, _decode(name, dtype, tuple(shape), data[off:off + size]))
    spans.sort()
    for a, b in zip(spans, spans[1:]):
        if b[0] < a[1]:
            raise BsmError(f"tensor '{b[2]}' overlaps tensor '{a[2]}'")

    # layers
    seen = {"input"}
    for s in layer_groups:
        name = s[len("layer "):]
        if name == "input":
            raise BsmError(f"[{s}]: 'input' is reserved for the model input")
        g = cp[s]
        kind = g.get("kind")
        if kind is None:
            raise BsmError(f"[{s}]: missing key 'kind'")
        if kind not in LAYER_SCHEMA:
            raise BsmError(f"[{s}]: unknown kind '{kind}'")
        nin, schema = LAYER_SCHEMA[kind]
        allowed = set(COMMON_KEYS) | {k for k, *_ in schema}
        for k in g:
            if k not in allowed:
                raise BsmError(f"[{s}]: unknown key '{k}' for kind {kind}")
        for k in ("precision", "path", "inputs"):
            if k not in g:
                raise BsmError(f"[{s}]: missing key '{k}'")
        if g["precision"] not in PRECISIONS:
            raise BsmError(f"[{s}]: precision must be one of {'/'.join(PRECISIONS)}")
        if g["path"] not in PATHS:
            raise BsmError(f"[{s}]: path must be one of {'/'.join(PATHS)}")
        inputs = _str_list(g["inputs"])
        if len(inputs) != nin:
            raise BsmError(f"[{s}]: {kind} takes {nin} input(s), got {len(inputs)}")
        for i in inputs:
            if i not in seen:
                raise BsmError(f"[{s}]: input '{i}' is not the model input or an earlier layer")
        module = g.get("module")
        if module is not None and module not in m.modules:
            raise BsmError(f"[{s}]: unknown module '{module}'")
        params = OrderedDict()
        for k, typ, req, default in schema:
            if k not in g:
                if req:
                    raise BsmError(f"[{s}]: missing key '{k}'")
                if default is not None:
                    params[k] = default
                continue
            v = g[k]
            if typ == _I:
                params[k] = _parse_int(f"[{s}]", k, v)
            elif typ == _B:
                params[k] = _parse_bool(f"[{s}]", k, v)
            else:
                if v not in m.tensors:
                    raise BsmError(f"[{s}]: key '{k}' names unknown tensor '{v}'")
                params[k] = v
        _check_ranges(s, kind, params)
        m.layers.append(Layer(name, kind, inputs, g["precision"], g["path"], module, params))
        seen.add(name)
    if not m.layers:
        raise BsmError("header: no layers")
    return m


def _check_ranges(where, kind, p):
    def rng(k, lo, hi):
        if k in p and not (lo <= p[k] <= hi):
            raise BsmError(f"{where}: {k} = {p[k]} is out of range [{lo}, {hi}]")
    rng("kernel", 1, 15)
    rng("stride", 1, 8)
    if "pad" in p:
        rng("pad", 0, p["kernel"] - 1)
    rng("out_channels", 1, 65536)
    rng("levels", 1, 64)
    if "wbits" in p and p["wbits"] not in (4, 8, 16):
        raise BsmError(f"{where}: wbits = {p['wbits']} (must be 4, 8 or 16)")
    if "out_bits" in p and p["out_bits"] not in (4, 8, 16, 32):
        raise BsmError(f"{where}: out_bits = {p['out_bits']} (must be 4, 8, 16 or 32)")


# ----------------------------------------------------------------------------- writing

def header_text(m: Model, offsets) -> str:
    out = io.StringIO()
    w = out.write

    def name_ok(n, what):
        if not _NAME_RE.match(n) or n == "input" and what != "input":
            raise BsmError(f"{what} name {n!r} is not usable (letters, digits and _.+-:/@ only)")

    w("[model]\n")
    w(f"name={_escape(m.name)}\n")
    w("input=" + ";".join(str(int(x)) for x in m.input_shape) + "\n")
    if m.labels:
        w("labels=" + ";".join(_escape(x, True) for x in m.labels) + "\n")
    if m.description:
        w(f"description={_escape(m.description)}\n")
    if m.provenance:
        w("\n[provenance]\n")
        for k, v in m.provenance.items():
            if not re.fullmatch(r"[A-Za-z0-9_\-]+", k):
                raise BsmError(f"provenance key {k!r} is not usable")
            w(f"{k}={_escape(str(v))}\n")
    for name, kind in m.modules.items():
        name_ok(name, "module")
        if kind not in MODULE_KINDS:
            raise BsmError(f"module {name}: unknown kind {kind}")
        w(f"\n[module {name}]\nkind={kind}\n")
    for name, t in m.tensors.items():
        name_ok(name, "tensor")
        w(f"\n[tensor {name}]\n")
        w(f"dtype={t.dtype}\n")
        w("shape=" + ";".join(str(s) for s in t.shape) + "\n")
        w(f"offset={offsets[name]}\n")
        w(f"size={packed_size(t.dtype, t.shape)}\n")
    for l in m.layers:
        name_ok(l.name, "layer")
        if l.kind not in LAYER_SCHEMA:
            raise BsmError(f"layer {l.name}: unknown kind {l.kind}")
        nin, schema = LAYER_SCHEMA[l.kind]
        keys = {k for k, *_ in schema}
        for k in l.params:
            if k not in keys:
                raise BsmError(f"layer {l.name}: parameter '{k}' is not a {l.kind} key")
        w(f"\n[layer {l.name}]\n")
        w(f"kind={l.kind}\n")
        w(f"precision={l.precision}\n")
        w(f"path={l.path}\n")
        if l.module is not None:
            if l.module not in m.modules:
                raise BsmError(f"layer {l.name}: unknown module {l.module}")
            w(f"module={l.module}\n")
        w("inputs=" + ";".join(l.inputs) + "\n")
        for k, typ, req, default in schema:
            if k not in l.params:
                if req:
                    raise BsmError(f"layer {l.name}: missing parameter '{k}'")
                if default is None:
                    continue
                v = default
            else:
                v = l.params[k]
            if typ == _B:
                w(f"{k}={'true' if v else 'false'}\n")
            elif typ == _I:
                w(f"{k}={int(v)}\n")
            else:
                if v not in m.tensors:
                    raise BsmError(f"layer {l.name}: '{k}' names unknown tensor {v}")
                w(f"{k}={v}\n")
    return out.getvalue()


def to_bytes(m: Model) -> bytes:
    offsets, chunks, pos = {}, [], 0
    for name, t in m.tensors.items():
        raw = _encode(t)
        offsets[name] = pos
        pad = align64(len(raw)) - len(raw)
        chunks.append(raw + b"\0" * pad)
        pos += len(raw) + pad
    data = b"".join(chunks)
    header = header_text(m, offsets).encode("utf-8")
    doff = align64(PREAMBLE + len(header))
    body = header + b"\0" * (doff - PREAMBLE - len(header)) + data
    pre = bytearray(PREAMBLE)
    pre[0:8] = MAGIC
    struct.pack_into("<IIQQQ", pre, 8, VERSION, 0, len(header), doff, len(data))
    pre[40:72] = hashlib.sha256(body).digest()
    out = bytes(pre) + body
    parse_header(header.decode("utf-8"), data)  # what we write, we can read
    return out


def write(m: Model, path) -> str:
    """Write atomically (temp file + rename). Returns the path."""
    blob = to_bytes(m)
    path = os.fspath(path)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(blob)
    os.replace(tmp, path)
    return path
