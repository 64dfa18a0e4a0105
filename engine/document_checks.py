"""The document's checks of a node and of an edge before it stores them, kept out of
document.py: each raises the document's GraphError (or a subclass) with a message a user
can act on, and changes nothing."""

from __future__ import annotations

import networkx as nx

from engine.document_types import (
    BadNameError,
    CycleError,
    Edge,
    GraphError,
    Node,
    PortError,
    UnknownNodeError,
    checked_position,
)
from engine.literal import LiteralError, check_rectangular
from engine.names import check_node_id, normal_name, shorten
from engine.ops import (
    CONSTANT,
    DTYPES,
    FLOAT_DTYPES,
    LEAF,
    NUMBER,
    OPS,
    check_param,
    get_op,
    is_source,
)


class DocumentChecks:
    """Mixed into Document, which provides the graph, the name index and node()."""

    graph: nx.MultiDiGraph
    _by_name: dict[str, str]

    def node(self, node_id: str) -> Node:
        raise NotImplementedError

    def _check_name(self, name: str, node_id: str | None) -> str:
        """The name in the form it is stored (NFKC), or BadNameError."""
        try:
            normal = normal_name(name)
        except ValueError as exc:
            raise BadNameError(str(exc)) from None
        other = self._by_name.get(normal)
        if other is not None and other != node_id:
            same = "" if normal == name else f" (to Python, {name!r} is {normal!r})"
            raise BadNameError(f"the name {normal!r} is already used by another node{same}")
        return normal

    def _validate_node(self, node: Node) -> None:
        if node.op not in OPS:
            raise GraphError(f"unknown op {node.op!r}")
        spec = get_op(node.op)
        try:
            check_node_id(node.id)
        except ValueError as exc:
            raise GraphError(str(exc)) from None
        node.name = self._check_name(node.name, node.id)
        node.position = checked_position(node.position)
        if node.dtype not in DTYPES:
            raise GraphError(f"unknown dtype {shorten(node.dtype)!r}; use one of "
                             f"{', '.join(DTYPES)}")
        unknown = set(node.params) - {p.name for p in spec.params}
        if unknown:
            raise GraphError(f"{node.op} has no parameter {sorted(unknown)[0]!r}")
        for p in spec.params:
            try:
                node.params[p.name] = check_param(p, node.params.get(p.name, p.default))
            except ValueError as exc:
                raise GraphError(f"{node.name}: {exc}") from None
        if is_source(node.op):
            if node.value is None:
                raise GraphError(f"{node.name}: a {node.op} needs a value")
            try:
                check_rectangular(node.value, finite=False)
            except LiteralError as exc:
                raise GraphError(f"{node.name}: {exc}") from None
            if node.op == CONSTANT and node.params.get(NUMBER) and isinstance(node.value, list):
                raise GraphError(f"{node.name}: a plain Python number cannot be a list; "
                                 "untick 'number' to make it a tensor")
            if node.op == LEAF and node.requires_grad and node.dtype not in FLOAT_DTYPES:
                # torch's own words for this case
                raise GraphError(f"{node.name}: Only Tensors of floating point and complex "
                                 "dtype can require gradients")
        elif node.value is not None:
            raise GraphError(f"{node.name}: only leaves and constants hold a value")
        if node.grad is not None:
            if node.op != LEAF or not node.requires_grad:
                raise GraphError(f"{node.name}: only a leaf that requires grad starts with "
                                 "a .grad")
            try:
                check_rectangular(node.grad, finite=False)
            except LiteralError as exc:
                raise GraphError(f"{node.name}: .grad {exc}") from None
        if node.written is not None:
            if node.op == CONSTANT and node.params.get(NUMBER):
                raise GraphError(f"{node.name}: a plain Python number has no memory to write "
                                 "into")
            try:
                check_rectangular(node.written, finite=False)
            except LiteralError as exc:
                raise GraphError(f"{node.name}: the numbers written after forward {exc}") \
                    from None
        if node.seed is not None:
            try:
                check_rectangular(node.seed)
            except LiteralError as exc:
                raise GraphError(f"{node.name}: seed {exc}") from None

    def _check_edge(self, edge: Edge) -> None:
        for end in (edge.source, edge.target):
            if end not in self.graph:
                raise UnknownNodeError(f"no node with id {end!r}")
        target = self.node(edge.target)
        spec = get_op(target.op)
        if edge.port not in spec.inputs:
            ports = ", ".join(spec.inputs) or "none"
            raise PortError(f"{target.name} ({target.op}) has no input port "
                            f"{shorten(edge.port)!r}; its ports: {ports}")
        if edge.source == edge.target:
            raise CycleError(f"{target.name} cannot feed itself")
        # networkx's own dicts, source -> {port: data}: no view objects on a path this hot
        fed = next((s for s, ports in self.graph._pred[edge.target].items()
                    if edge.port in ports), None)
        if fed is not None:
            raise PortError(f"input {edge.port!r} of {target.name} is already fed by "
                            f"{self.node(fed).name}")
        # a node that feeds nothing yet (one just added) closes no cycle: no search needed
        if self.graph._succ[edge.target] and nx.has_path(self.graph, edge.target, edge.source):
            raise CycleError(f"connecting {self.node(edge.source).name} → {target.name} "
                             "would make a cycle")
