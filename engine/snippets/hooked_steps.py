"""Gradient hooks through training steps: `p.register_hook(lambda g: g.clamp(-1, 1))` before a
loop of optimizer steps. torch keeps a hook on a leaf for as long as the leaf lives, so it
acts on every later step's backward; a hook on a computed tensor dies with that tensor.

A hook is a grad_hook node over its tensor (hooks.py). When a step ends, the nodes of the
finished step leave the document (training.py), but the hooks over a leaf stay with the
leaf: they act on the next step's calls from its first one, and a hook whose handle was
removed during the step is then off for good (scale 1, as hooks.py writes a hook that never
ran)."""

from __future__ import annotations

import ast

from engine.ops import LEAF
from engine.snippets.flag_grads import FlagGrads
from engine.snippets.values import Ref

_HOOK = "grad_hook"


class HookedSteps(FlagGrads):
    def leaf_hooks(self) -> list[str]:
        """The grad_hook nodes over a leaf (a chain of them, each over the one before)."""
        return [node.id for node in self.doc.nodes() if node.op == _HOOK and self.doc.node(
            self.under_hooks(Ref(node.id)).node_id).op == LEAF]

    def finished_nodes(self, updated: set[str]) -> list[str]:
        kept = set(self.leaf_hooks())  # a leaf's hooks live on with it
        return [i for i in super().finished_nodes(updated) if i not in kept]

    def next_step(self, stmt: ast.AST) -> None:
        super().next_step(stmt)
        for hook_id in self.leaf_hooks():
            params = dict(self.doc.node(hook_id).params)
            if params.get("removed_at_call"):  # removed during the step: off from here on
                params = {"scale": 1.0}
            params.pop("added_at_call", None)  # on from the next step's first call
            self.doc.update_node(hook_id, params=params)
            self.stepped_hooks.add(hook_id)
            for memo in (self.values, self.grad_memo):
                memo.pop(hook_id, None)  # its numbers are its leaf's new ones
