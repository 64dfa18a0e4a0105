"""Training steps that bind the weights' names to new tensors instead of updating them in
place: `w = w - lr * w.grad` under torch.no_grad(), then `w.requires_grad = True` (or
`w = (w - lr * w.grad).detach().requires_grad_()`). Each step's leaves are new tensors, and
the old ones, with the graph that used them, are held by nothing once the names move on.

Read as the steps of training.py: the step ends where the name moves to its new tensor, the
calls start afresh and the graph and leaves nothing holds leave the document. A loop of five
hundred such steps is then five hundred steps read with torch, not one document holding
five hundred graphs and backward calls."""

from __future__ import annotations

import ast

import networkx as nx

from engine import calls
from engine.ops import LEAF
from engine.snippets.held import held_node_ids
from engine.snippets.unheld_nodes import UnheldNodes
from engine.snippets.values import Pending, Ref


class ReboundSteps(UnheldNodes):
    def statement(self, stmt: ast.stmt) -> None:
        old = self.rebound_leaf(stmt)
        super().statement(stmt)
        if old is None or old not in self.doc.graph or old in held_node_ids(self.every_frame()) or \
                not any(c.kind in (calls.BACKWARD, calls.GRAD) for c in self.program):
            return
        assert isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name)
        new = self.env.get(stmt.targets[0].id)
        if isinstance(new, Pending | Ref) and new.node_id is not None and \
                self.node_needs_grad(new.node_id) and self.doc.node(new.node_id).op != LEAF:
            return  # w = w - lr * w.grad with grad on: the new w's graph goes back through
            # the old one, so the steps are one graph (as torch has it)
        self.drop_earlier_steps()
        self.left_behind = True
        try:
            self.next_step(stmt)
        finally:
            self.left_behind = False

    def drop_earlier_steps(self) -> None:
        """The graph of the step before this one (its leaves and what they computed, held
        by nothing since the names moved on) leaves before this step is kept for display."""
        graph = self.doc.graph
        roots = held_node_ids(self.every_frame()) | {o for c in self.program
                                                     for o in c.outputs or ()}
        if self.backward is not None:  # the document's own call: its outputs are marked
            roots |= {output[0] for output in self.backward.outputs}
        keep = {r for r in roots if r in graph}
        for root in list(keep):
            keep |= nx.ancestors(graph, root)
        self.drop_nodes([i for i in nx.topological_sort(graph) if i not in keep])

    def rebound_leaf(self, stmt: ast.stmt) -> str | None:
        """The leaf `w` names when the statement binds `w` to something computed from its
        own .grad (`w = w - lr * w.grad`), else None."""
        if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and
                isinstance(stmt.targets[0], ast.Name) and self.backward_seen):
            return None
        name = stmt.targets[0].id
        held = self.env.get(name)
        if not isinstance(held, Pending | Ref) or held.node_id is None or \
                held.node_id not in self.doc.graph:
            return None
        node = self.doc.node(held.node_id)
        if node.op != LEAF or not node.requires_grad:
            return None
        reads_own_grad = any(isinstance(n, ast.Attribute) and n.attr == "grad" and
                             isinstance(n.value, ast.Name) and n.value.id == name
                             for n in ast.walk(stmt.value))
        return held.node_id if reads_own_grad else None

    left_behind = False

    def leaves_left_behind(self, gone: set[str]) -> list[str]:
        """After a rebinding step, and when a loop's calls ran while reading (a new leaf each
        epoch): the leaves nothing holds whose every use leaves too."""
        if not self.left_behind and not self.making_room:
            return []
        held = held_node_ids(self.every_frame())
        graph = self.doc.graph
        return [n.id for n in self.doc.leaves() if n.id not in held and n.id not in gone
                and all(s in gone for s in graph.successors(n.id))]


__all__ = ["ReboundSteps"]
