"""What torch hands each storing hook when backward reaches the tensor it is on (the hook
lists of hook_lists.py): the order autograd runs the hooks of one tensor in (the hooks on a
module call's output, its pre-hooks and full hooks, those registered inside it), the
gradient arriving there times what each hook registered before it made of it, and a full
hook's grad_input. Read from one run of the document built so far; `Inexact` says why what
a hook is given cannot be known exactly."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import torch

from engine.grad_expression import GRADIENT, evaluate
from engine.snippets.training import TrainingReader
from engine.snippets.values import Ref

if TYPE_CHECKING:
    from engine.snippets.hook_lists import Sink

# the params of a grad_hook node that multiplies by `scale` (hooks.py, hook_windows.py)
HOOK_PARAMS = frozenset({"scale", "added_at_call", "removed_at_call", "gradient"})


class Inexact(Exception):  # noqa: N818 - a reason, not an error of the snippet
    """What a hook is given cannot be known exactly: why."""


class HookGradients(TrainingReader):
    """The gradients the storing hooks are given, in torch's order (a mixin of HookLists)."""

    wraps: dict[str, list[int]]  # a node → module calls whose output it is (HookLists)

    def hooked_tensor(self, node_id: str) -> str:
        """The tensor's own node under the grad_hook nodes a name may stand for."""
        return self.under_hooks(Ref(node_id)).node_id

    def hooks_on(self, tensor: str) -> list[str]:
        """The grad_hook nodes of a tensor in the order torch runs them (registration
        order): hooks.py puts a later one nearer the tensor, below the earlier ones."""
        found: list[str] = []
        at = tensor
        while True:
            above = [e.target for e in self.doc.out_edges(at)
                     if self.doc.node(e.target).op == "grad_hook" and e.port == "input"]
            if len(above) != 1:
                return list(reversed(found))
            at = above[0]
            found.append(at)

    def gradient_at(self, sink: Sink, done: Any, number: int) -> torch.Tensor:
        """What torch hands this hook: the gradient arriving at the tensor, times the
        factor of each hook registered on it before this one and in force at the call."""
        hooks = self.hooks_on(sink.tensor)  # the first runs on what arrives from the uses
        arriving = done.node_grads.get(hooks[0] if hooks else sink.tensor)
        if arriving is None:
            raise Inexact(f"is filled by the hook on {sink.name}, whose gradient the run "
                           "does not show at this call")
        gradient = arriving.detach().clone()
        for hooked in sink.before:
            params = self.doc.node(hooked).params if hooked in self.doc.graph else {}
            if not set(params) <= HOOK_PARAMS:
                raise Inexact(f"is filled by the hook on {sink.name} after a hook that "
                               "changes its gradient other than by a factor")
            first = params.get("added_at_call") or 1
            end = params.get("removed_at_call") or float("inf")
            if first <= number < end:
                text = params.get("gradient") or ""
                with torch.no_grad():  # as torch hands a hook the one before it returned
                    gradient = evaluate(text, {GRADIENT: gradient}) if text else \
                        gradient * params.get("scale", 1.0)
        return gradient

    def fire_order(self, tensor: str, live: list[Sink]) -> list[Sink]:
        """The hooks autograd runs when it reaches this tensor, in torch's order. A module
        call with backward hooks wraps its output in a node of its own: the hooks on the
        tensor it returns run first (outermost wrap first), then the module's pre-hooks and
        full hooks, then the hooks registered inside it (a forward hook's). A full hook
        whose input requires grad runs when that input's gradient is known, before the
        hooks on the input itself (torch runs it at its input wrap, which becomes ready
        with the input when the module is the input's only use, as `input_gradient` asks;
        a node of another branch whose turn falls between the two is not told apart)."""
        wraps = self.wraps.get(tensor, [])

        def key(s: Sink) -> tuple[int, int]:
            if s.input_node == tensor:
                return (-1, 0)
            seen = s.wrap if s.module is not None else s.wraps_seen
            return (sum(w > seen for w in wraps), 0 if s.module is None else 1 if s.pre else 2)

        here = [s for s in live if s.tensor == tensor and s.input_node is None
                or s.input_node == tensor]
        return sorted(here, key=key)  # stable: registration order within a place

    def input_gradient(self, sink: Sink, done: Any) -> torch.Tensor:
        """grad_input of a full hook: the gradient of the module's input, when the module
        is its only use (torch gives the part that comes through the module)."""
        node = sink.input_node or ""
        # the uses that sent a gradient back at this call (not a detach, say)
        outside = [e for e in self.doc.out_edges(node) if e.target not in sink.inside
                   and done.edge_grads.get(e) is not None] if node in self.doc.graph else []
        arriving = done.node_grads.get(node)
        if arriving is None or outside:
            raise Inexact(f"is filled by a backward hook of {sink.name} whose input is used "
                           "outside the module too: torch gives the hook only the part of its "
                           "gradient that comes through the module, which Gradflow does not "
                           "show")
        return arriving.detach().clone()
