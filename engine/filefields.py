"""The fields of a graph file, one by one: a node, an edge, a call, the options.

Each reader checks the types and names of its own fields and raises `FileFormatError` naming
the node, edge or call and the field; `engine.fileformat` reads and writes the whole file
(its JSON, its version, its size limits) and builds the document from these.
"""

from __future__ import annotations

import math
from typing import Any

import networkx as nx

from engine.calls import CALL_FIELDS, KINDS, Call
from engine.calls import defaults as call_defaults
from engine.document import Document, Node, RunOptions
from engine.limits import CALLS as CALLS_LIMIT
from engine.literal import LiteralError, check_rectangular, from_json_numbers
from engine.names import shorten
from engine.ops import OPS


class FileFormatError(ValueError):
    """A file that cannot be read as a document. The message says why."""


# the fields a call of each kind never has (a file naming one is refused, a save omits them)
UNUSED_FIELDS = {kind: set(call_defaults(kind)) for kind in KINDS}


def expect(value: Any, kind: type, where: str) -> Any:
    # bool is an int in Python; a file's true is not a number
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise FileFormatError(f"{where} must be {_article(kind.__name__)}, "
                              f"not {type(value).__name__}")
    return value


def _article(name: str) -> str:
    words = {"dict": "an object", "list": "a list", "str": "a string", "bool": "true or false",
             "int": "an integer", "float": "a number"}
    return " or ".join(words.get(w, w) for w in name.split(" or "))


def calls_from(raw: Any, doc: Document) -> list[Call]:
    calls = expect(raw, list, '"calls"')
    if CALLS_LIMIT.exceeded(len(calls)):
        raise FileFormatError(f'"calls": {CALLS_LIMIT.message(len(calls))}')
    out = []
    for i, entry in enumerate(calls):
        where = f"call {i + 1}"
        expect(entry, dict, where)
        kind = expect(entry.get("kind"), str, f'{where} "kind"')
        if kind not in KINDS:
            raise FileFormatError(f"{where}: unknown kind {kind!r}; use one of {', '.join(KINDS)}")
        fields: dict[str, Any] = {}
        for name, value in entry.items():
            if name == "kind":
                continue
            if name not in CALL_FIELDS or name in UNUSED_FIELDS[kind]:
                raise FileFormatError(f"{where}: a {kind} call has no {name!r}")
            fields[name] = _call_field(name, value, f'{where} "{name}"')
        out.append(Call(kind, **fields))
    return out


def _call_field(name: str, value: Any, where: str) -> Any:
    if name in ("primary", "retain_graph", "set_to_none", "tuple_inputs", "tuple_outputs"):
        return expect(value, bool, where)
    if name == "function":  # a functional call's torch function: checked with the program
        return expect(value, str, where)
    if value is None and name in ("inputs", "leaves"):
        return None
    items = expect(value, list, where)
    if name == "seeds":
        for seed in items:
            if seed is not None:
                check_value(seed, f"{where} gradient")
        return tuple(items)
    for node_id in items:
        expect(node_id, str, f"{where} node id")
    return tuple(items)


def edge_from(raw: Any, i: int, doc: Document) -> tuple[int, str, str, str]:
    where = f"edge {i}"
    expect(raw, dict, where)
    src = expect(raw.get("source"), str, f'{where} "source"')
    dst = expect(raw.get("target"), str, f'{where} "target"')
    port = expect(raw.get("port"), str, f'{where} "port"')
    for end in (src, dst):
        if end not in doc.graph:
            raise FileFormatError(f"{where} points to a node id {shorten(end)!r} that "
                                  "does not exist")
    return i, src, dst, port


def cheap_order(parsed: list[tuple[int, str, str, str]],
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


def node_from(raw: Any, i: int) -> Node:
    where = f"node {i}"
    expect(raw, dict, where)
    node_id = expect(raw.get("id"), str, f'{where} "id"')
    name = expect(raw.get("name"), str, f'{where} "name"')
    where = f"node {shorten(name)!r}"
    op = expect(raw.get("op"), str, f'{where} "op"')
    if op not in OPS:
        raise FileFormatError(f"{where}: unknown op {shorten(op)!r}")
    params = dict(expect(raw.get("params", {}), dict, f'{where} "params"'))
    for p in OPS[op].params:
        if p.name in params and p.kind == "shape":
            params[p.name] = tuple(expect(params[p.name], list, f'{where} param "shape"'))
        if p.name in params and p.kind == "order" and isinstance(params[p.name], str):
            params[p.name] = _order_from(params[p.name], f'{where} param "{p.name}"')
    position = expect(raw.get("position", [0, 0]), list, f'{where} "position"')
    if len(position) != 2 or not all(isinstance(v, int | float) and not isinstance(v, bool)
                                     for v in position):
        raise FileFormatError(f'{where}: "position" must be two numbers')
    value = from_json_numbers(raw.get("value"))
    if value is not None:
        check_value(value, f"{where} value", finite=False)
    node = Node(id=node_id, op=op, name=name, params=params, value=value,
                requires_grad=expect(raw.get("requires_grad", False), bool,
                                      f'{where} "requires_grad"'),
                dtype=expect(raw.get("dtype", "float32"), str, f'{where} "dtype"'),
                position=(float(position[0]), float(position[1])))
    grad = from_json_numbers(raw.get("grad"))
    if grad is not None:
        check_value(grad, f"{where} grad", finite=False)
        node.grad = grad
    written = from_json_numbers(raw.get("written"))
    if written is not None:
        check_value(written, f"{where} written", finite=False)
        node.written = written
    output = raw.get("output")
    if output is not None:
        expect(output, dict, f'{where} "output"')
        node.is_output = True
        node.seed = output.get("seed")
        if node.seed is not None:
            check_value(node.seed, f"{where} seed")
        node.seed_enabled = expect(output.get("pass_gradient", True), bool,
                                    f'{where} "pass_gradient"')
    return node


# A norm's p may be ±inf, which JSON has no number for: a file spells them as these strings.
ORDER_TEXTS = {"inf": math.inf, "-inf": -math.inf}


def param_to_json(value: Any) -> Any:
    """A param's value as a file holds it: a tuple as a list, ±inf (a norm's p) as a string."""
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, float) and math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return value


def _order_from(text: str, where: str) -> float:
    if text not in ORDER_TEXTS:
        raise FileFormatError(f'{where} must be a number, "inf" or "-inf", not '
                              f"{shorten(repr(text))}")
    return ORDER_TEXTS[text]


def check_value(value: Any, where: str, finite: bool = True) -> None:
    try:
        check_rectangular(value, finite)
    except LiteralError as exc:
        raise FileFormatError(f"{where}: {exc}") from None


def options_from(raw: Any, doc: Document) -> RunOptions:
    expect(raw, dict, '"options"')
    inputs = raw.get("inputs")
    if inputs is not None:
        expect(inputs, list, '"options" "inputs"')
        for node_id in inputs:
            if not isinstance(node_id, str) or node_id not in doc.graph:
                raise FileFormatError(f'"options" "inputs" names a node id '
                                      f"{shorten(repr(node_id))} that does not exist")
    return RunOptions(
        retain_graph=expect(raw.get("retain_graph", False), bool, '"retain_graph"'),
        accumulate=expect(raw.get("accumulate", False), bool, '"accumulate"'),
        inputs=inputs,
    )
