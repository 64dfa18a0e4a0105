"""Which nodes the function f of a jacobian or functional call computes (codegen.py writes
them inside f): the path from its inputs to its outputs, and the nodes on it no one else
uses."""

from __future__ import annotations

import networkx as nx

from engine.calls import FUNCTIONAL, JACOBIAN, Call, mentions
from engine.document import Document


def path_nodes(doc: Document, call: Call) -> set[str]:
    """The nodes f computes: downstream of its inputs and upstream of its outputs, where a
    path stops at an input (f is given it: what computed it at the top does not count)."""
    inputs = set(call.inputs or ())
    if not inputs or not call.outputs:
        return set()
    graph = doc.graph.copy()
    graph.remove_edges_from(list(graph.in_edges(inputs, keys=True)))
    down = set().union(*(nx.descendants(graph, i) for i in inputs))
    up = set(call.outputs).union(*(nx.ancestors(graph, o) for o in call.outputs))
    return (down & up) - inputs


def private_nodes(doc: Document) -> dict[int, set[str]]:
    """By jacobian call index: the nodes only f computes (on its path, used by nothing else,
    marked as no output, named by no other call). They are written inside f alone; every
    other node is written once at the top."""
    found: dict[int, set[str]] = {}
    claimed: set[str] = set()
    for index, call in enumerate(doc.calls):
        if call.kind not in (JACOBIAN, FUNCTIONAL):
            continue
        own = {n for n in path_nodes(doc, call) - claimed if not doc.node(n).is_output
               and not any(mentions(c, n) for k, c in enumerate(doc.calls) if k != index)}
        changed = True
        while changed:  # a node something outside f uses is computed at the top
            changed = False
            for n in list(own):
                if any(e.target not in own for e in doc.out_edges(n)):
                    own.discard(n)
                    changed = True
        found[index] = own
        claimed |= own
    return found


__all__ = ["path_nodes", "private_nodes"]
