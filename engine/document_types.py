"""The document's plain data types: nodes, edges, change events, run options, and the
errors an edit the document refuses raises. No torch, no networkx: engine.document (the
graph) re-exports them, so `from engine.document import Edge` keeps working."""

from __future__ import annotations

import copy
import math
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
    # Leaves only: the .grad it holds before the first call. A training loop's earlier steps
    # (run while a snippet was read) leave one behind; None: no .grad yet, as torch starts.
    grad: Nested | None = None
    # The numbers written into its memory after forward and before the first call, past
    # autograd (`x.data *= 100`, `out.data.zero_()`): forward computed with its own numbers,
    # the calls find these wherever autograd saved the tensor (engine/memory_writes.py).
    written: Nested | None = None

    def copy(self) -> Node:
        """A copy that shares nothing mutable with this node (what copy.deepcopy gives, at a
        fraction of its cost: the fields are numbers, strings and nested lists of them)."""
        twin = object.__new__(Node)
        twin.__dict__.update({k: v if type(v) in _ATOMS else fresh(v)
                              for k, v in self.__dict__.items()})
        return twin


    def renamed(self, name: str) -> Node:
        """This node under another name, with its own params dict; the other fields are
        shared (a stored node is never edited in place, so a rename need not copy them)."""
        twin = object.__new__(Node)
        twin.__dict__.update(self.__dict__, name=name, params=dict(self.params))
        return twin


_ATOMS = frozenset({int, float, bool, str, complex, type(None)})


def fresh(value: Any) -> Any:
    """A copy of `value` that shares no mutable container with it. Plain data (numbers,
    strings, lists, tuples and dicts of them) is copied directly; anything else goes to
    copy.deepcopy."""
    kind = type(value)
    if kind in _ATOMS:
        return value
    if kind is list:
        return [v if type(v) in _ATOMS else fresh(v) for v in value]
    if kind is tuple:
        return value if all(type(v) in _ATOMS for v in value) else tuple(fresh(v) for v in value)
    if kind is dict:
        return {k: v if type(v) in _ATOMS else fresh(v) for k, v in value.items()}
    return copy.deepcopy(value)


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
               "is_output", "seed", "seed_enabled", "grad", "written")


def checked_position(position: Any) -> tuple[float, float]:
    """A position as two finite floats, or GraphError."""
    if type(position) is tuple and len(position) == 2 and type(position[0]) is float \
            and type(position[1]) is float and math.isfinite(position[0] + position[1]):
        return position  # already what it must be (every stored node's): nothing to convert
    try:
        x, y = (float(v) for v in position if not isinstance(v, bool | str))
    except (TypeError, ValueError, OverflowError):
        raise GraphError("a position is two finite numbers") from None
    if not (math.isfinite(x) and math.isfinite(y)):
        raise GraphError("a position is two finite numbers")
    return (x, y)
