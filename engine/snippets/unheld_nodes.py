"""Numbers computed without a gradient that nothing holds any more leave the document, as
Python lets them go: a loop that fits a line by gradients written by hand (no requires_grad
anywhere) rebinds `params = params - lr * grad` thousands of times, and each pass's nodes
would otherwise stay in the graph until the node limit refuses the snippet.

When the document nears the limit, at the start of a statement, the nodes that stay are the
leaves, every node that requires grad, every node a value of the snippet holds (its names, in
every function being run, and what lists, models, optimizers and data sets hold) or a call of
the program uses, and what those are computed from. The rest is dropped. A value the reader
still needs that was dropped (one in the middle of a caller's expression) is an unknown node
later: that statement is then refused with the node limit's own words, as before."""

from __future__ import annotations

import ast
from typing import Any

import networkx as nx

from engine.document_types import UnknownNodeError
from engine.limits import GRAPH_NODES
from engine.ops import LEAF
from engine.snippets.held import held_node_ids
from engine.snippets.hooked_steps import HookedSteps
from engine.snippets.safety import error_at

# how many nodes short of the limit the collection runs: room for one statement's nodes
_ROOM = 2_000


class UnheldNodes(HookedSteps):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.nodes_collected = 0
        self.collected_at = 0  # the document's size after the last collection

    def statement(self, stmt: ast.stmt) -> None:
        room = min(_ROOM, GRAPH_NODES.value // 4)
        if GRAPH_NODES.exceeded(len(self.doc) + room) and \
                len(self.doc) >= self.collected_at + room // 4:  # (grown since: not again
            self.collect_unheld()  # at each statement when everything is held)
            self.collected_at = len(self.doc)
        try:
            super().statement(stmt)
        except UnknownNodeError:
            if not self.nodes_collected:
                raise
            raise error_at(stmt, f"the snippet builds a graph {GRAPH_NODES.message()}") \
                from None

    def collect_unheld(self) -> None:
        graph = self.doc.graph
        keep = held_node_ids(self.every_frame(), every_field=True) | {
            i for c in self.program for i in (*(c.outputs or ()), *(c.inputs or ()))}
        if self.backward is not None:
            keep |= {o[0] for o in self.backward.outputs}
        keep |= {i for i in graph if self.doc.node(i).op == LEAF or self.node_needs_grad(i)}
        todo = [i for i in keep if i in graph]
        keep = set(todo)
        while todo:  # and what they are computed from: one walk back from all of them
            for source in graph.predecessors(todo.pop()):
                if source not in keep:
                    keep.add(source)
                    todo.append(source)
        gone = [i for i in nx.topological_sort(graph) if i not in keep]
        self.drop_nodes(gone)
        self.nodes_collected += len(gone)


__all__ = ["UnheldNodes"]
