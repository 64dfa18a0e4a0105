"""Versioned JSON files for documents: strict reading, atomic writing.

Every problem a file can have raises the one `FileFormatError`, whose message names the
problem (and the node or line where it can). Python's json is made strict: NaN, Infinity,
`1e999` and duplicate keys are refused; nothing is ever evaluated or unpickled. Each field's
own checks live in `engine.filefields`; the whole file's (JSON, version, sizes, the order
edges are added in) here.
"""

from __future__ import annotations

import json
import math
import os
import re
import tempfile
from pathlib import Path
from typing import Any

from engine.boundedread import ReadRefused, read_bounded
from engine.calls import CALL_FIELDS, PRIMARY, Call
from engine.collector import collector_paused
from engine.document import Document, GraphError
from engine.filefields import (
    UNUSED_FIELDS,
    calls_from,
    cheap_order,
    edge_from,
    expect,
    node_from,
    options_from,
    param_to_json,
)
from engine.filefields import FileFormatError as FileFormatError  # the app imports it from here
from engine.limits import FILE_BYTES, FILE_NESTING, GRAPH_NODES, VALUE_ELEMENTS_ALL
from engine.literal import to_json_numbers
from engine.names import shorten
from engine.ops import OPS

FORMAT = "gradflow-graph"
# 2: the program of calls ("calls"); a version-1 file has the one backward call. A jacobian
# call (kind "jacobian", with "tuple_inputs"/"tuple_outputs") came later within version 2:
# older files all still read; an older app names the kind it does not know.
VERSION = 2
READABLE_VERSIONS = (1, 2)
# old names, kept for the modules that import them; the limits live in engine.limits
MAX_FILE_BYTES = FILE_BYTES.value
MAX_NODES = GRAPH_NODES.value
MAX_DEPTH = FILE_NESTING.value
_MOST_PORTS = max(len(spec.inputs) for spec in OPS.values())


class SaveRefused(OSError, FileFormatError):
    """A document that would be written as a file the reader refuses. An OSError too (as
    io.UnsupportedOperation is both), so whoever handles a failed write handles this."""


# ---- writing ------------------------------------------------------------------------------
def to_dict(doc: Document) -> dict[str, Any]:
    nodes = []
    for n in doc.topological_nodes():
        entry: dict[str, Any] = {"id": n.id, "op": n.op, "name": n.name,
                                 "position": [n.position[0], n.position[1]]}
        if n.params:
            entry["params"] = {k: param_to_json(v) for k, v in n.params.items()}
        if n.value is not None:
            entry["value"] = to_json_numbers(n.value)
            entry["dtype"] = n.dtype
            entry["requires_grad"] = n.requires_grad
        if n.grad is not None:
            entry["grad"] = to_json_numbers(n.grad)
        if n.written is not None:  # numbers written into its memory after forward
            entry["written"] = to_json_numbers(n.written)
        if n.is_output:
            entry["output"] = {"seed": n.seed, "pass_gradient": n.seed_enabled}
        nodes.append(entry)
    edges = [{"source": e.source, "target": e.target, "port": e.port}
             for e in sorted(doc.edges(), key=lambda e: (e.target, e.port))]
    opts = doc.options
    return {
        "format": FORMAT,
        "version": VERSION,
        "title": doc.title,
        "description": doc.description,
        "options": {"retain_graph": opts.retain_graph, "accumulate": opts.accumulate,
                    "inputs": opts.inputs},
        "nodes": nodes,
        "edges": edges,
        "calls": [_call_to_dict(c) for c in doc.calls],
    }


def _call_to_dict(call: Call) -> dict[str, Any]:
    entry: dict[str, Any] = {"kind": call.kind}
    if call.primary:  # its settings live on the nodes and in "options"
        return {**entry, "primary": True}
    for name in CALL_FIELDS[1:]:
        if name not in UNUSED_FIELDS[call.kind] and name != "primary":
            value = getattr(call, name)
            entry[name] = list(value) if isinstance(value, tuple) else value
    return entry


_SURROGATE = re.compile("[\ud800-\udfff]")


def dumps(doc: Document) -> str:
    text = json.dumps(to_dict(doc), indent=1, allow_nan=False, ensure_ascii=False) + "\n"
    # A lone surrogate (a title read from a file's "\\ud800") cannot be written as UTF-8;
    # as a JSON escape it is ASCII and reads back as the same string. Only strings hold them.
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def file_text(doc: Document) -> str:
    """The text a save writes; SaveRefused when the reader would refuse it, so that whatever
    is saved (by `save` or by the app's own writer) reopens."""
    text = dumps(doc)
    _check_readable(doc, text)
    return text


def save(doc: Document, path: str | os.PathLike[str]) -> None:
    """Write atomically: a temp file in the same folder, then an atomic replace."""
    target = Path(path)
    text = file_text(doc)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _check_readable(doc: Document, text: str) -> None:
    """Refuse to write a file the reader would refuse: whatever is saved reopens. (The
    document itself keeps names, values and texts within the reader's rules; these limits
    are about the whole file.)"""
    size = len(text.encode("utf-8"))
    if FILE_BYTES.exceeded(size):
        raise SaveRefused(f"cannot save: the file would be {size:,} bytes, "
                              f"{FILE_BYTES.message()}; the graph is still open")
    total = sum(_count(v) for n in doc.nodes() for v in (n.value, n.grad, n.written)
                if v is not None)
    if VALUE_ELEMENTS_ALL.exceeded(total):
        raise SaveRefused(f"cannot save: the values hold {total:,} numbers, "
                              f"{VALUE_ELEMENTS_ALL.message()}; the graph is still open")


# ---- reading ------------------------------------------------------------------------------
def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise FileFormatError(f"duplicate key {key!r} in one object")
        out[key] = value
    return out


def _refuse_constant(name: str) -> float:
    raise FileFormatError(f"{name} is not allowed: values must be finite numbers")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise FileFormatError(f"{shorten(text, 20)} is out of range: values must be finite "
                              "numbers")
    return value


def _int(text: str) -> int:
    # 19 digits hold every 64-bit integer; the document checks the exact range
    if len(text.lstrip("-")) > 19:
        raise FileFormatError(f"the integer {shorten(text, 20)} is too large for a "
                              "64-bit integer")
    return int(text)


@collector_paused()  # a 1000-node file makes thousands of objects, all kept
def loads(text: str) -> Document:
    if FILE_BYTES.exceeded(len(text)):
        raise FileFormatError(f"the file is too large: {FILE_BYTES.message()}")
    if text.startswith("\ufeff"):
        text = text[1:]
    depth = _max_depth(text)
    if FILE_NESTING.exceeded(depth):
        raise FileFormatError(f"nested {depth} levels deep: {FILE_NESTING.message()}")
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_refuse_constant,
                          parse_float=_finite_float, parse_int=_int)
    except json.JSONDecodeError as exc:
        raise FileFormatError(f"not valid JSON: {exc.msg} at line {exc.lineno}, "
                              f"column {exc.colno}") from None
    except (RecursionError, ValueError) as exc:
        if isinstance(exc, FileFormatError):
            raise
        raise FileFormatError(f"not valid JSON: {exc}") from None
    return from_dict(data)


def load(path: str | os.PathLike[str]) -> Document:
    p = Path(path)
    try:
        raw = read_bounded(p, FILE_BYTES)
    except ReadRefused as exc:
        raise FileFormatError(str(exc)) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FileFormatError(f"{p.name} is not UTF-8 text (byte {exc.start})") from None
    return loads(text)


# A string runs to its closing quote or, unterminated, to the end of the text: either way the
# match succeeds and is never retried from a later quote (a failing pattern would be retried
# from every quote inside it: quadratic, minutes for a few MB of `"\"\"\"`).
_STRING = re.compile(r'"(?:[^"\\]|\\.)*+(?:"|\\?\Z)', re.S)
_BRACKET = re.compile(r"[\[\]{}]")


def _max_depth(text: str) -> int:
    """Bracket depth outside strings, so deep nesting is refused before json recurses.

    Regexes skip strings and jump from bracket to bracket: a 5 MB list of numbers costs
    milliseconds, not a Python loop over every character."""
    depth = best = 0
    for match in _BRACKET.finditer(_STRING.sub("", text)):
        if match.group() in "[{":
            depth += 1
            best = max(best, depth)
        else:
            depth -= 1
    return best


def from_dict(data: Any) -> Document:
    expect(data, dict, "the file")
    if data.get("format") != FORMAT:
        raise FileFormatError(f"not a Gradflow graph: \"format\" is {data.get('format')!r}, "
                              f"expected {FORMAT!r}")
    version = data.get("version")
    if version not in READABLE_VERSIONS or isinstance(version, bool):
        raise FileFormatError(f"unknown version {version!r}: this Gradflow Studio reads "
                              f"versions {', '.join(map(str, READABLE_VERSIONS))}")
    if version == 1:
        data = _migrate_1_to_2(data)
    doc = Document()
    try:
        doc.title = expect(data.get("title", ""), str, '"title"')
        doc.description = expect(data.get("description", ""), str, '"description"')
    except GraphError as exc:
        raise FileFormatError(str(exc)) from None
    nodes = expect(data.get("nodes"), list, '"nodes"')
    edges = expect(data.get("edges", []), list, '"edges"')
    if GRAPH_NODES.exceeded(len(nodes)):
        raise FileFormatError(f"{len(nodes):,} nodes: {GRAPH_NODES.message()}")
    total = 0
    for i, raw in enumerate(nodes):
        node = node_from(raw, i)
        for held in (node.value, node.grad, node.written):
            total += 0 if held is None else _count(held)
            if VALUE_ELEMENTS_ALL.exceeded(total):
                raise FileFormatError(f"node {shorten(node.name)!r}: the values hold more "
                                      f"numbers than allowed: {VALUE_ELEMENTS_ALL.message()}")
        try:
            doc.insert_node(node)
        except GraphError as exc:
            raise FileFormatError(f"node {i} ({shorten(node.name)!r}): {exc}") from None
    if len(edges) > _MOST_PORTS * len(nodes):  # each input port takes one edge
        raise FileFormatError(f"{len(edges):,} edges for {len(nodes):,} nodes: "
                              "each input port takes one edge")
    parsed = [edge_from(raw, i, doc) for i, raw in enumerate(edges)]
    for i, src, dst, port in cheap_order(parsed, doc):
        try:
            doc.add_edge(src, dst, port)
        except GraphError as exc:
            raise FileFormatError(f"edge {i} ({doc.node(src).name} → {doc.node(dst).name}."
                                  f"{shorten(port)}): {exc}") from None
    doc.options = options_from(data.get("options", {}), doc)
    try:
        doc.set_calls(calls_from(data.get("calls", [_call_to_dict(PRIMARY)]), doc))
    except GraphError as exc:
        raise FileFormatError(f'"calls": {exc}') from None
    return doc


def _migrate_1_to_2(data: dict[str, Any]) -> dict[str, Any]:
    """Version 1 held one backward call: the outputs marked on the graph, with the options."""
    if "calls" in data:
        raise FileFormatError('a version-1 file has no "calls"')
    return {**data, "version": 2, "calls": [_call_to_dict(PRIMARY)]}


def _count(value: Any) -> int:
    return sum(_count(v) for v in value) if isinstance(value, list) else 1
