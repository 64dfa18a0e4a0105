"""Versioned JSON files for documents: strict reading, atomic writing.

Every problem a file can have raises the one `FileFormatError`, whose message names the
problem (and the node or line where it can). Python's json is made strict: NaN, Infinity,
`1e999` and duplicate keys are refused; nothing is ever evaluated or unpickled.
"""

from __future__ import annotations

import json
import math
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import networkx as nx

from engine.boundedread import ReadRefused, read_bounded
from engine.calls import CALL_FIELDS, KINDS, PRIMARY, Call
from engine.calls import defaults as call_defaults
from engine.collector import collector_paused
from engine.document import Document, GraphError, Node, RunOptions
from engine.limits import CALLS as CALLS_LIMIT
from engine.limits import FILE_BYTES, FILE_NESTING, GRAPH_NODES, VALUE_ELEMENTS_ALL
from engine.literal import LiteralError, check_rectangular
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


class FileFormatError(ValueError):
    """A file that cannot be read as a document. The message says why."""


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
            entry["params"] = {k: list(v) if isinstance(v, tuple) else v
                               for k, v in n.params.items()}
        if n.value is not None:
            entry["value"] = n.value
            entry["dtype"] = n.dtype
            entry["requires_grad"] = n.requires_grad
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
        if name not in _UNUSED[call.kind] and name != "primary":
            value = getattr(call, name)
            entry[name] = list(value) if isinstance(value, tuple) else value
    return entry


_UNUSED = {kind: set(call_defaults(kind)) for kind in KINDS}

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
    total = sum(_count(n.value) for n in doc.nodes() if n.value is not None)
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


def _expect(value: Any, kind: type, where: str) -> Any:
    # bool is an int in Python; a file's true is not a number
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise FileFormatError(f"{where} must be {_article(kind.__name__)}, "
                              f"not {type(value).__name__}")
    return value


def _article(name: str) -> str:
    words = {"dict": "an object", "list": "a list", "str": "a string", "bool": "true or false",
             "int": "an integer", "float": "a number"}
    return " or ".join(words.get(w, w) for w in name.split(" or "))


def from_dict(data: Any) -> Document:
    _expect(data, dict, "the file")
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
        doc.title = _expect(data.get("title", ""), str, '"title"')
        doc.description = _expect(data.get("description", ""), str, '"description"')
    except GraphError as exc:
        raise FileFormatError(str(exc)) from None
    nodes = _expect(data.get("nodes"), list, '"nodes"')
    edges = _expect(data.get("edges", []), list, '"edges"')
    if GRAPH_NODES.exceeded(len(nodes)):
        raise FileFormatError(f"{len(nodes):,} nodes: {GRAPH_NODES.message()}")
    total = 0
    for i, raw in enumerate(nodes):
        node = _node_from(raw, i)
        if node.value is not None:
            total += _count(node.value)
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
    parsed = [_edge_from(raw, i, doc) for i, raw in enumerate(edges)]
    for i, src, dst, port in _cheap_order(parsed, doc):
        try:
            doc.add_edge(src, dst, port)
        except GraphError as exc:
            raise FileFormatError(f"edge {i} ({doc.node(src).name} → {doc.node(dst).name}."
                                  f"{shorten(port)}): {exc}") from None
    doc.options = _options_from(data.get("options", {}), doc)
    try:
        doc.set_calls(_calls_from(data.get("calls", [_call_to_dict(PRIMARY)]), doc))
    except GraphError as exc:
        raise FileFormatError(f'"calls": {exc}') from None
    return doc


def _migrate_1_to_2(data: dict[str, Any]) -> dict[str, Any]:
    """Version 1 held one backward call: the outputs marked on the graph, with the options."""
    if "calls" in data:
        raise FileFormatError('a version-1 file has no "calls"')
    return {**data, "version": 2, "calls": [_call_to_dict(PRIMARY)]}


def _calls_from(raw: Any, doc: Document) -> list[Call]:
    calls = _expect(raw, list, '"calls"')
    if CALLS_LIMIT.exceeded(len(calls)):
        raise FileFormatError(f'"calls": {CALLS_LIMIT.message(len(calls))}')
    out = []
    for i, entry in enumerate(calls):
        where = f"call {i + 1}"
        _expect(entry, dict, where)
        kind = _expect(entry.get("kind"), str, f'{where} "kind"')
        if kind not in KINDS:
            raise FileFormatError(f"{where}: unknown kind {kind!r}; use one of {', '.join(KINDS)}")
        fields: dict[str, Any] = {}
        for name, value in entry.items():
            if name == "kind":
                continue
            if name not in CALL_FIELDS or name in _UNUSED[kind]:
                raise FileFormatError(f"{where}: a {kind} call has no {name!r}")
            fields[name] = _call_field(name, value, f'{where} "{name}"')
        out.append(Call(kind, **fields))
    return out


def _call_field(name: str, value: Any, where: str) -> Any:
    if name in ("primary", "retain_graph", "set_to_none", "tuple_inputs", "tuple_outputs"):
        return _expect(value, bool, where)
    if value is None and name in ("inputs", "leaves"):
        return None
    items = _expect(value, list, where)
    if name == "seeds":
        for seed in items:
            if seed is not None:
                _check_value(seed, f"{where} gradient")
        return tuple(items)
    for node_id in items:
        _expect(node_id, str, f"{where} node id")
    return tuple(items)


def _edge_from(raw: Any, i: int, doc: Document) -> tuple[int, str, str, str]:
    where = f"edge {i}"
    _expect(raw, dict, where)
    src = _expect(raw.get("source"), str, f'{where} "source"')
    dst = _expect(raw.get("target"), str, f'{where} "target"')
    port = _expect(raw.get("port"), str, f'{where} "port"')
    for end in (src, dst):
        if end not in doc.graph:
            raise FileFormatError(f"{where} points to a node id {shorten(end)!r} that "
                                  "does not exist")
    return i, src, dst, port


def _cheap_order(parsed: list[tuple[int, str, str, str]],
                 doc: Document) -> list[tuple[int, str, str, str]]:
    """The edges by the topological place of their target, so that when each is added its
    target has no out-edges yet and the document's cycle check is instant: in file order,
    a reversed 5000-node chain took 9 s (each check walks everything downstream).

    A file with a cycle is refused here, naming it."""
    graph = nx.DiGraph()
    graph.add_nodes_from(doc.graph)
    graph.add_edges_from((src, dst) for _, src, dst, _ in parsed)
    try:
        place = {node_id: k for k, node_id in enumerate(nx.topological_sort(graph))}
    except nx.NetworkXUnfeasible:
        cycle = [(u, v) for u, v in nx.find_cycle(graph)]
        i, src, dst, port = max(e for e in parsed if (e[1], e[2]) in set(cycle))
        names = shorten(" → ".join(doc.node(u).name for u, _ in [*cycle, cycle[0]]), 200)
        raise FileFormatError(f"edge {i} ({doc.node(src).name} → {doc.node(dst).name}."
                              f"{shorten(port)}): connecting {doc.node(src).name} → "
                              f"{doc.node(dst).name} would make a cycle ({names})") from None
    return sorted(parsed, key=lambda e: place[e[2]])


def _count(value: Any) -> int:
    return sum(_count(v) for v in value) if isinstance(value, list) else 1


def _node_from(raw: Any, i: int) -> Node:
    where = f"node {i}"
    _expect(raw, dict, where)
    node_id = _expect(raw.get("id"), str, f'{where} "id"')
    name = _expect(raw.get("name"), str, f'{where} "name"')
    where = f"node {shorten(name)!r}"
    op = _expect(raw.get("op"), str, f'{where} "op"')
    if op not in OPS:
        raise FileFormatError(f"{where}: unknown op {shorten(op)!r}")
    params = dict(_expect(raw.get("params", {}), dict, f'{where} "params"'))
    for p in OPS[op].params:
        if p.name in params and p.kind == "shape":
            params[p.name] = tuple(_expect(params[p.name], list, f'{where} param "shape"'))
    position = _expect(raw.get("position", [0, 0]), list, f'{where} "position"')
    if len(position) != 2 or not all(isinstance(v, int | float) and not isinstance(v, bool)
                                     for v in position):
        raise FileFormatError(f'{where}: "position" must be two numbers')
    value = raw.get("value")
    if value is not None:
        _check_value(value, f"{where} value")
    node = Node(id=node_id, op=op, name=name, params=params, value=value,
                requires_grad=_expect(raw.get("requires_grad", False), bool,
                                      f'{where} "requires_grad"'),
                dtype=_expect(raw.get("dtype", "float32"), str, f'{where} "dtype"'),
                position=(float(position[0]), float(position[1])))
    output = raw.get("output")
    if output is not None:
        _expect(output, dict, f'{where} "output"')
        node.is_output = True
        node.seed = output.get("seed")
        if node.seed is not None:
            _check_value(node.seed, f"{where} seed")
        node.seed_enabled = _expect(output.get("pass_gradient", True), bool,
                                    f'{where} "pass_gradient"')
    return node


def _check_value(value: Any, where: str) -> None:
    try:
        check_rectangular(value)
    except LiteralError as exc:
        raise FileFormatError(f"{where}: {exc}") from None


def _options_from(raw: Any, doc: Document) -> RunOptions:
    _expect(raw, dict, '"options"')
    inputs = raw.get("inputs")
    if inputs is not None:
        _expect(inputs, list, '"options" "inputs"')
        for node_id in inputs:
            if not isinstance(node_id, str) or node_id not in doc.graph:
                raise FileFormatError(f'"options" "inputs" names a node id '
                                      f"{shorten(repr(node_id))} that does not exist")
    return RunOptions(
        retain_graph=_expect(raw.get("retain_graph", False), bool, '"retain_graph"'),
        accumulate=_expect(raw.get("accumulate", False), bool, '"accumulate"'),
        inputs=inputs,
    )
