"""The document's plain data types: nodes, edges, change events, run options, and the
errors an edit the document refuses raises. No torch, no networkx: engine.document (the
graph) re-exports them, so `from engine.document import Edge` keeps working."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from engine.literal import Nested


class GraphError(ValueError):
    """An edit the document refuses. The document is unchanged when this is raised."""


class CycleError(GraphError):
    pass


class PortError(GraphError):
    pass


class BadNameError(GraphError):
    pass


class UnknownNodeError(GraphError):
    pass


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    port: str


@dataclass
class Node:
    id: str
    op: str
    name: str
    params: dict[str, Any] = field(default_factory=dict)
    value: Nested | None = None  # leaves and constants only
    requires_grad: bool = False
    dtype: str = "float32"
    position: tuple[float, float] = (0.0, 0.0)
    is_output: bool = False
    # The `gradient=` of an output. None with seed_enabled: the default (ones of its shape).
    seed: Nested | None = None
    # False: call bare backward() on this output (torch then needs it to be a scalar).
    seed_enabled: bool = True

    def copy(self) -> Node:
        return copy.deepcopy(self)


@dataclass(frozen=True)
class DocEvent:
    """kind: node_added | node_removed | node_changed | edge_added | edge_removed |
    options_changed | calls_changed (the program of calls; `call` is the index it concerns,
    None for the whole list) | reset (everything replaced). A move of several nodes at once (a
    layout, a drag of a selection) is one node_changed with fields ("position",), node_id
    None and the moved ids in node_ids."""

    kind: str
    node_id: str | None = None
    edge: Edge | None = None
    fields: tuple[str, ...] = ()
    call: int | None = None
    node_ids: tuple[str, ...] = ()


@dataclass
class RunOptions:
    """The options of the document's own backward call (the first backward call of its
    program, on the marked outputs); other calls carry their own (engine/calls.py)."""

    retain_graph: bool = False
    accumulate: bool = False  # False: leaf grads reset before every run
    inputs: list[str] | None = None  # node ids for backward(inputs=...); None = all leaves


NODE_FIELDS = ("op", "name", "params", "value", "requires_grad", "dtype", "position",
               "is_output", "seed", "seed_enabled")
