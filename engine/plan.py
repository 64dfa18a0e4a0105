"""What forward needs from a document's structure, worked out once per structure.

A live seed edit runs the same graph again and again: the build order (engine/order.py) and
which edge feeds which port of each node do not change, only numbers do. A `Plan` holds
exactly that, and nothing else: node ids, ops (their registry entries and torch callables),
Edge objects and edge counts; never a value, a seed, a parameter or a tensor, so a plan can
never carry a number from one run into another.
It is keyed by the node ids with their ops and the full edge list, so any structural change
(a node or edge added or removed, a node replaced by another op under the same id) misses
the cache and builds a new plan.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from engine.document import Edge, Node
from engine.grad_op import GRAD_OP
from engine.ops import OPS, SOURCE_OPS, OpSpec
from engine.order import id_order

_KEPT = 8  # plans kept: the open document, its snapshots' structure, a bench or two


@dataclass(frozen=True)
class Plan:
    order: tuple[str, ...]  # node ids in build order
    # op node id -> its op; the edge into each of the op's ports in the op's port order
    # (None: not connected); for an op without params, the callable OpSpec.call runs when
    # no input is a plain number. Sources and unknown ops have no entry.
    steps: dict[str, tuple[OpSpec, tuple[Edge | None, ...], Callable[..., Any] | None]]
    # node id -> how many edges leave it (a node with none has no entry)
    fanout: dict[str, int]


_plans: dict[tuple, Plan] = {}
_lock = threading.Lock()  # runs happen on the GUI thread and on a worker


def plan_for(nodes: dict[str, Node], edges: Iterable[tuple[str, str, str]]) -> Plan:
    """nodes: every node by id; edges: (source, target, port), one per edge."""
    edge_list = tuple(iter(edges))  # (a networkx view's len() would walk the edges again)
    key = (tuple((i, n.op) for i, n in nodes.items()), edge_list)
    plan = _plans.get(key)
    if plan is None:
        plan = _build(nodes, edge_list)
        with _lock:
            if len(_plans) >= _KEPT:
                del _plans[next(iter(_plans))]  # the oldest
            _plans[key] = plan
    return plan


def _build(nodes: dict[str, Node], edges: tuple[tuple[str, str, str], ...]) -> Plan:
    into: dict[str, dict[str, Edge]] = {}
    fanout: dict[str, int] = {}
    for src, dst, port in edges:
        into.setdefault(dst, {})[port] = Edge(src, dst, port)
        fanout[src] = fanout.get(src, 0) + 1
    steps: dict[str, tuple[OpSpec, tuple[Edge | None, ...], Callable[..., Any] | None]] = {}
    for node_id, node in nodes.items():
        spec = OPS.get(node.op)
        if spec is not None and node.op not in SOURCE_OPS:
            connected = into.get(node_id, {})
            steps[node_id] = (spec, tuple(connected.get(p) for p in spec.inputs),
                              None if spec.params or node.op == GRAD_OP
                              else spec.function(False))
    order = id_order(nodes, ((src, dst) for src, dst, _ in edges))
    return Plan(tuple(order), steps, fanout)
