"""The order forward builds nodes in: topological, smallest id first where the graph allows.

Autograd orders its work by creation, so building nodes in the snippet's order makes float
sums come out bit-for-bit like the snippet. The same order as networkx's
lexicographical_topological_sort(graph, key=id_key), computed from the edge list the runner
already holds: a run is hot and networkx's generator costs more than the rest of a node.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable

from engine.document import id_key


def id_order(nodes: Iterable[str], edges: Iterable[tuple[str, str]]) -> list[str]:
    """nodes: every node id; edges: (source, target) pairs, one per edge (x * x is two)."""
    waiting: dict[str, int] = {}
    children: dict[str, list[str]] = {}
    for src, dst in edges:
        waiting[dst] = waiting.get(dst, 0) + 1
        children.setdefault(src, []).append(dst)
    ready = [(id_key(n), n) for n in nodes if n not in waiting]
    heapq.heapify(ready)
    order: list[str] = []
    while ready:
        _, node = heapq.heappop(ready)
        order.append(node)
        for child in children.get(node, ()):
            waiting[child] -= 1
            if waiting[child] == 0:
                heapq.heappush(ready, (id_key(child), child))
    return order
