"""The graph document: what the user edits.

A `networkx.MultiDiGraph` (not a DiGraph: `x * x` needs two edges from x into the same mul
node, one per input port; the edge key is the target port). Every change goes through the
methods below, which validate first and change nothing when they refuse, then tell every
subscriber with a plain-Python `DocEvent`. No torch here: a document is plain data.
"""

from __future__ import annotations

import copy
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import networkx as nx

from engine.calls import PRIMARY, Call, mentions, without_node
from engine.document_checks import DocumentChecks

# the document's data types live in engine.document_types; the document's API speaks them
from engine.document_types import (  # noqa: F401 - the error types are re-exported
    NODE_FIELDS,
    BadNameError,
    CycleError,
    DocEvent,
    Edge,
    GraphError,
    Node,
    PortError,
    RunOptions,
    UnknownNodeError,
    checked_position,
    fresh,
)
from engine.limits import GRAPH_NODES
from engine.names import check_text, id_key, normal_name
from engine.ops import CONSTANT, LEAF, OPS, get_op, is_source
from engine.program_edits import ProgramEdits


class Document(ProgramEdits, DocumentChecks):
    def __init__(self) -> None:
        self.graph: nx.MultiDiGraph = nx.MultiDiGraph()
        self.options = RunOptions()
        self.calls: list[Call] = [PRIMARY]  # the program after the forward (engine/calls.py)
        # node id -> (calls before its removal dropped it, calls right after): inserting the
        # node back while the program is still the latter brings its calls back (undo)
        self._calls_without: dict[str, tuple[list[Call], list[Call]]] = {}
        self._title = ""
        self._description = ""
        self._listeners: list[Callable[[DocEvent], None]] = []
        self._next_id = 1
        # name -> node id, kept with every edit: lookups and name checks cost O(1), not a scan
        self._by_name: dict[str, str] = {}

    # ---- title and description: any text, within limits.TEXT_CHARACTERS --------------------
    @property
    def title(self) -> str:
        return self._title

    @title.setter
    def title(self, text: str) -> None:
        self._title = _checked_text("title", text)

    @property
    def description(self) -> str:
        return self._description

    @description.setter
    def description(self, text: str) -> None:
        self._description = _checked_text("description", text)

    # ---- events ---------------------------------------------------------------------------
    def subscribe(self, listener: Callable[[DocEvent], None]) -> None:
        self._listeners.append(listener)

    def unsubscribe(self, listener: Callable[[DocEvent], None]) -> None:
        self._listeners.remove(listener)

    def _emit(self, event: DocEvent) -> None:
        # every listener hears every event, even when one of them fails: a view that raised
        # must not leave the views after it showing the previous state. The first failure
        # is raised once all have heard it.
        failure: Exception | None = None
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception as exc:
                failure = failure or exc
        if failure is not None:
            raise failure

    # ---- reading --------------------------------------------------------------------------
    def node(self, node_id: str) -> Node:
        try:
            return self.graph.nodes[node_id]["node"]
        except KeyError:
            raise UnknownNodeError(f"no node with id {node_id!r}") from None

    def nodes(self) -> Iterator[Node]:
        for _, data in self.graph.nodes(data=True):
            yield data["node"]

    def edges(self) -> Iterator[Edge]:
        for src, dst, port in self.graph.edges(keys=True):
            yield Edge(src, dst, port)

    def in_edges(self, node_id: str) -> dict[str, Edge]:
        """Edges into node_id, by target port."""
        return {port: Edge(src, dst, port)
                for src, dst, port in self.graph.in_edges(node_id, keys=True)}

    def out_edges(self, node_id: str) -> list[Edge]:
        return [Edge(s, d, p) for s, d, p in self.graph.out_edges(node_id, keys=True)]

    def node_by_name(self, name: str) -> Node | None:
        """The node Python would take `name` to mean (names compare in NFKC form)."""
        node_id = self._by_name.get(name)
        if node_id is None and not name.isascii():
            node_id = self._by_name.get(unicodedata.normalize("NFKC", name))
        return None if node_id is None else self.node(node_id)

    def outputs(self) -> list[Node]:
        """Outputs in id order: the order backward() receives them in, which decides the
        order float gradients are summed in, so it must be the same everywhere."""
        return sorted((n for n in self.nodes() if n.is_output), key=lambda n: id_key(n.id))

    def leaves(self) -> list[Node]:
        # a leaf has no inputs, so the topological order (ties by id) puts leaves in id order
        return sorted((n for n in self.nodes() if n.op == LEAF), key=lambda n: id_key(n.id))

    def topological_nodes(self) -> list[Node]:
        """Nodes in a deterministic topological order (ties broken by id)."""
        order = nx.lexicographical_topological_sort(self.graph, key=id_key)
        return [self.node(i) for i in order]

    def __len__(self) -> int:
        return self.graph.number_of_nodes()

    # ---- validation -----------------------------------------------------------------------
    def new_id(self) -> str:
        while str(self._next_id) in self.graph:
            self._next_id += 1
        return str(self._next_id)

    def unique_name(self, base: str) -> str:
        try:
            base = normal_name(base)
        except ValueError:
            base = "node"
        if base not in self._by_name:
            return base
        i = 1
        while f"{base}{i}" in self._by_name:
            i += 1
        return f"{base}{i}"

    # ---- edits ----------------------------------------------------------------------------
    def add_node(self, op: str, name: str | None = None, *, node_id: str | None = None,
                 **fields: Any) -> Node:
        """Add a node; unspecified fields get the op's defaults. Returns the new node."""
        if op not in OPS:
            raise GraphError(f"unknown op {op!r}")
        node_id = node_id if node_id is not None else self.new_id()
        if node_id in self.graph:
            raise GraphError(f"a node with id {node_id!r} already exists")
        spec = get_op(op)
        fields.setdefault("params", {})
        fields["params"] = {**spec.default_params(), **fields["params"]}
        if is_source(op):
            fields.setdefault("value", 0.0)
            fields.setdefault("requires_grad", op == LEAF)
        if op == CONSTANT:
            fields["requires_grad"] = False
        node = Node(id=node_id, op=op, name=name or self.unique_name(_default_name(op)),
                    **fields)
        self.insert_node(node)
        return node

    def insert_node(self, node: Node, edges: list[Edge] | None = None) -> None:
        """Insert a complete node (and edges touching it), e.g. when undoing a delete."""
        self._validate_node(node)
        if node.id in self.graph:
            raise GraphError(f"a node with id {node.id!r} already exists")
        if GRAPH_NODES.exceeded(len(self.graph) + 1):
            raise GraphError(f"cannot add {node.name}: {GRAPH_NODES.message()}")
        stored = node.copy()  # its position is two floats: _validate_node made it so
        self.graph.add_node(node.id, node=stored)
        self._by_name[stored.name] = node.id
        if self._listeners:  # an event per node costs a reader of 1000 lines milliseconds
            self._emit(DocEvent("node_added", node.id))
        added: list[Edge] = []
        try:
            for edge in edges or []:
                self.add_edge(edge.source, edge.target, edge.port)
                added.append(edge)
        except GraphError:
            for edge in reversed(added):
                self.remove_edge(edge.target, edge.port)
            self.graph.remove_node(node.id)
            del self._by_name[stored.name]
            self._emit(DocEvent("node_removed", node.id))
            raise
        before, after = self._calls_without.pop(node.id, (None, None))
        if before is not None and after == self.calls:
            self.calls = self._checked_program(before)
            self._emit(DocEvent("calls_changed"))

    def remove_node(self, node_id: str) -> tuple[Node, list[Edge]]:
        """Remove a node and its edges; returns both so the removal can be undone."""
        node = self.node(node_id).copy()
        edges = list(self.in_edges(node_id).values()) + self.out_edges(node_id)
        for edge in edges:
            self.remove_edge(edge.target, edge.port)
        if node_id in (self.options.inputs or []):
            self.options.inputs = [i for i in self.options.inputs or [] if i != node_id]
        self.graph.remove_node(node_id)
        del self._by_name[node.name]
        self._emit(DocEvent("node_removed", node_id))
        if any(mentions(c, node_id) for c in self.calls):
            before = self.calls
            self.calls = [without_node(c, node_id) for c in self.calls]
            self._calls_without[node_id] = (before, self.calls)
            self._emit(DocEvent("calls_changed"))
        return node, edges

    def update_node(self, node_id: str, **fields: Any) -> dict[str, Any]:
        """Change fields of a node; returns the old values of exactly those fields."""
        current = self.node(node_id)
        bad = set(fields) - set(NODE_FIELDS)
        if bad:
            raise GraphError(f"unknown node field {sorted(bad)[0]!r}")
        if "op" in fields and fields["op"] != current.op:
            raise GraphError("a node's op cannot change; add a new node instead")
        if fields.keys() == {"name"}:  # a rename (reading a snippet makes thousands): the
            # stored node is valid, so its new name is all there is to check
            candidate = current.renamed(self._check_name(fields["name"], node_id))
        else:
            if "params" in fields:
                fields["params"] = {**get_op(current.op).default_params(), **fields["params"]}
            if "position" in fields:
                fields["position"] = checked_position(fields["position"])
            # shares unchanged fields with the stored node (neither is edited in place); its
            # own params: validation normalises them in place
            candidate = replace(current, **{"params": dict(current.params)} | fresh(fields))
            if candidate.op == CONSTANT:
                candidate.requires_grad = False
            self._validate_node(candidate)
        old = {k: fresh(getattr(current, k)) for k in fields}
        self.graph.nodes[node_id]["node"] = candidate
        if candidate.name != current.name:
            del self._by_name[current.name]
            self._by_name[candidate.name] = node_id
        if self._listeners:
            self._emit(DocEvent("node_changed", node_id, fields=tuple(fields)))
        return old

    def move_nodes(self, positions: dict[str, tuple[float, float]]
                   ) -> dict[str, tuple[float, float]]:
        """Move many nodes as one change (one event); returns their old positions."""
        old = {i: self.node(i).position for i in positions}  # unknown ids raise first
        moved = []
        for node_id, (x, y) in positions.items():
            new = (float(x), float(y))
            if new != old[node_id]:
                self.graph.nodes[node_id]["node"] = replace(self.node(node_id), position=new)
                moved.append(node_id)
        if moved:
            self._emit(DocEvent("node_changed", fields=("position",), node_ids=tuple(moved)))
        return old

    def add_edge(self, source: str, target: str, port: str) -> Edge:
        edge = Edge(source, target, port)
        self._check_edge(edge)
        self.graph.add_edge(source, target, key=port)
        if self._listeners:
            self._emit(DocEvent("edge_added", edge=edge))
        return edge

    def remove_edge(self, target: str, port: str) -> Edge:
        edge = self.in_edges(target).get(port)
        if edge is None:
            raise GraphError(f"input {port!r} of node {target!r} is not connected")
        self.graph.remove_edge(edge.source, target, key=port)
        self._emit(DocEvent("edge_removed", edge=edge))
        return edge

    def can_connect(self, source: str, target: str, port: str) -> str | None:
        """None if the edge is allowed, else the reason it is refused."""
        try:
            self._check_edge(Edge(source, target, port))
        except GraphError as exc:
            return str(exc)
        return None

    def set_options(self, **fields: Any) -> dict[str, Any]:
        old = {k: copy.deepcopy(getattr(self.options, k)) for k in fields}
        for k, v in fields.items():
            if not hasattr(self.options, k):
                raise GraphError(f"unknown run option {k!r}")
            setattr(self.options, k, copy.deepcopy(v))
        self._emit(DocEvent("options_changed", fields=tuple(fields)))
        return old

    def _refusal(self, message: str) -> Exception:
        return GraphError(message)

    def _calls_changed(self, index: int | None, fields: tuple[str, ...] = ()) -> None:
        self._emit(DocEvent("calls_changed", call=index, fields=fields))

    def replace_with(self, other: Document) -> None:
        """Take over another document's content (open, new, import) and say so once. The
        content is taken before anyone is told, so a failing listener cannot leave it half
        replaced."""
        self.graph = other.graph
        self.options = other.options
        self.calls = other.calls
        self._calls_without = {}
        self.title = other.title
        self.description = other.description
        self._by_name = dict(other._by_name)
        self._next_id = 1
        self._emit(DocEvent("reset"))

    def snapshot(self) -> Document:
        """A copy for a run to read while this document goes on being edited: its own graph,
        options and calls, sharing the Node objects (a change always stores a new Node,
        never edits one in place), so a snapshot costs no deep copy of every value."""
        twin = Document()
        twin.graph = self.graph.copy()
        twin.options = copy.deepcopy(self.options)
        twin.calls = list(self.calls)
        twin.title, twin.description = self.title, self.description
        return twin

    def twin(self) -> Document:
        """A copy to go on editing apart from this one, at a snapshot's cost: an edit stores
        a new Node in the edited document only, so the two never share a change."""
        twin = self.snapshot()
        twin._by_name = dict(self._by_name)
        twin._next_id = self._next_id
        return twin

    def clone(self) -> Document:
        twin = Document()
        twin.graph = copy.deepcopy(self.graph)
        twin.options = copy.deepcopy(self.options)
        twin.calls = list(self.calls)
        twin.title, twin.description = self.title, self.description
        twin._by_name = dict(self._by_name)
        return twin


def _default_name(op: str) -> str:
    spec = OPS.get(op)
    return {LEAF: "x", CONSTANT: "c"}.get(op, spec.node_name if spec and spec.node_name else op)


def _checked_text(what: str, text: str) -> str:
    try:
        return check_text(what, text)
    except ValueError as exc:
        raise GraphError(str(exc)) from None

