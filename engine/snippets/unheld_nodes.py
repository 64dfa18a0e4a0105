"""Numbers computed without a gradient that nothing holds any more leave the document, as
Python lets them go: a loop that fits a line by gradients written by hand (no requires_grad
anywhere) rebinds `params = params - lr * grad` thousands of times, and each pass's nodes
would otherwise stay in the graph until the node limit refuses the snippet.

When the document nears the limit, at the start of a statement, the nodes that stay are the
leaves, every node that requires grad, every node a value of the snippet holds (its names, in
every function being run, and what lists, models, optimizers and data sets hold) or a call of
the program uses, and what those are computed from. The rest is dropped. A value the reader
still needs that was dropped (one in the middle of a caller's expression) is an unknown node
later: that statement is then refused with the node limit's own words, as before.

A held tensor computed without a gradient has no history in torch (its grad_fn is None), so
when a loop has grown the document past FROZEN_AT nodes, such a value becomes a constant of
its numbers and what it was computed from can leave too: that loop's document keeps its
latest pass, and stays small enough to lay out and draw. Views stay as they are (a later
write through them changes the tensor they view), and so does anything computed from a
leaf or from a tensor requiring grad."""

from __future__ import annotations

import ast
from typing import Any

import networkx as nx

from engine.document_types import UnknownNodeError
from engine.limits import GRAPH_NODES
from engine.ops import CONSTANT, LEAF, SOURCE_OPS
from engine.snippets.held import held_node_ids
from engine.snippets.hooked_steps import HookedSteps
from engine.snippets.safety import error_at
from engine.snippets.view_writes import ALIASING

# how many nodes short of the limit the collection runs: room for one statement's nodes
_ROOM = 2_000
# a document this large is collected (again once it has grown by half as much), freezing
# the numbers it holds that have no gradient history
FROZEN_AT = 3_000


class UnheldNodes(HookedSteps):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.nodes_collected = 0
        self.collected_at = 0  # the document's size after the last collection

    def statement(self, stmt: ast.stmt) -> None:
        room = min(_ROOM, GRAPH_NODES.value // 4)
        size = len(self.doc)
        if GRAPH_NODES.exceeded(size + room) and size >= self.collected_at + room // 4 or \
                size >= FROZEN_AT and size >= self.collected_at + FROZEN_AT // 2:
            # (grown since: not again at each statement when everything is held)
            self.collect_unheld()
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
        held = held_node_ids(self.every_frame(), every_field=True)
        in_calls = {i for c in self.program for i in (*(c.outputs or ()), *(c.inputs or ()))}
        if len(self.doc) >= FROZEN_AT:
            self.freeze(held - in_calls)
        keep = held | in_calls
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

    def freeze(self, held: set[str]) -> None:
        """Each held tensor computed without a gradient from no leaf becomes a constant of
        its numbers, under its id and name: see the module's docstring."""
        graph = self.doc.graph
        storages = getattr(self, "storages", {})
        for node_id in sorted(i for i in held if i in graph):
            node = self.doc.node(node_id)
            if node.op in SOURCE_OPS or node.op in ALIASING or node_id in storages or \
                    self.node_needs_grad(node_id):
                continue
            if any(self.doc.node(a).op == LEAF or self.node_needs_grad(a)
                   for a in nx.ancestors(graph, node_id)):
                continue
            numbers = self.evaluate(node_id, ast.Pass())
            edges = self.doc.out_edges(node_id)
            self.doc.remove_node(node_id)
            self.doc.add_node(CONSTANT, node.name, node_id=node_id,
                              value=numbers.detach().tolist(), dtype=node.dtype)
            for edge in edges:
                self.doc.add_edge(edge.source, edge.target, edge.port)


__all__ = ["UnheldNodes"]
