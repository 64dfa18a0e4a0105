"""The hooks a run registers on autograd, and what they record: every hook call as a
TraceEvent in arrival order (the FULL level), or only the numbers (the GRADS level)."""

from __future__ import annotations

from typing import Any

import torch

from engine.document import Edge
from engine.trace import ACCUMULATE, EDGE_GRAD, GRAD_FN, NODE_GRAD, Run, TraceEvent


def copy_grad(t: torch.Tensor | None) -> torch.Tensor | None:
    return None if t is None else t.detach().clone()


class Recorder:
    """Collects hook calls into Run.events in arrival order.

    Gradients are kept as the very tensors autograd handed over, not copies: autograd only
    accumulates in place into a buffer nobody else references (it checks the use count), so
    holding the object keeps it intact, and a run's cost does not grow with copies.
    """

    def __init__(self, run: Run, full: bool = True) -> None:
        self.run = run
        self.full = full  # False: the GRADS level, numbers only (no event is kept)

    def add(self, kind: str, node_id: str | None, **fields: Any) -> None:
        if self.full:
            self.run.events.append(TraceEvent(len(self.run.events), kind, node_id, **fields))

    def node_hook(self, node_id: str):  # noqa: ANN201 - torch hook signature
        def hook(grad: torch.Tensor) -> None:
            self.run.node_grads[node_id] = grad
            self.add(NODE_GRAD, node_id, grad=grad)
        return hook

    def edge_prehook(self, edge: Edge):  # noqa: ANN201
        def hook(grad_outputs: tuple) -> None:
            grad = grad_outputs[0]
            self.run.edge_grads[edge] = grad
            self.add(EDGE_GRAD, edge.source, edge=edge, grad=grad)
        return hook

    def grads_hook(self, node_id: str, output_nr: int | None,
                   edges: tuple[tuple[int, Edge], ...]):  # noqa: ANN201 - torch hook signature
        """The GRADS level's post-hook: the numbers of grad_fn_hook, no event."""
        run = self.run
        if output_nr is None:
            def edges_only(grad_inputs: tuple, grad_outputs: tuple) -> None:
                for slot, edge in edges:
                    if grad_inputs[slot] is not None:
                        run.edge_grads[edge] = grad_inputs[slot]
            return edges_only
        if len(edges) == 1:  # one argument carries a gradient: most ops
            ((slot, edge),) = edges

            def one_edge(grad_inputs: tuple, grad_outputs: tuple) -> None:
                run.node_grads[node_id] = grad_outputs[output_nr]
                if grad_inputs[slot] is not None:
                    run.edge_grads[edge] = grad_inputs[slot]
            return one_edge

        def total_and_edges(grad_inputs: tuple, grad_outputs: tuple) -> None:
            run.node_grads[node_id] = grad_outputs[output_nr]
            for slot, edge in edges:
                if grad_inputs[slot] is not None:
                    run.edge_grads[edge] = grad_inputs[slot]
        return total_and_edges

    def grad_fn_hook(self, node_id: str | None, name: str, autograd_id: int,
                     output_nr: int | None, edges: tuple[tuple[int, Edge], ...]):  # noqa: ANN201
        # For the autograd node that made a document node's output, grad_outputs holds that
        # node's total gradient: the same tensor a hook on the output would see, at the same
        # moment, so one hook reports both (a second Python hook per node halves the speed).
        # grad_inputs[slot] is what the node sends back along a document edge: all of them
        # leave at once, when the node has run, in the order of its next_functions.
        # Events are made here with positional fields: this runs once per autograd node.
        run, events = self.run, self.run.events

        def hook(grad_inputs: tuple, grad_outputs: tuple) -> None:
            if output_nr is not None and node_id is not None:
                grad = grad_outputs[output_nr]
                run.node_grads[node_id] = grad
                events.append(TraceEvent(len(events), NODE_GRAD, node_id, None, grad))
            events.append(TraceEvent(len(events), GRAD_FN, node_id, None, None, name,
                                     tuple(grad_outputs), tuple(grad_inputs), autograd_id))
            for slot, edge in edges:
                grad = grad_inputs[slot]
                if grad is not None:  # not needed by this call (inputs=): nothing sent
                    run.edge_grads[edge] = grad
                    events.append(TraceEvent(len(events), EDGE_GRAD, edge.source, edge, grad))
        return hook

    def accumulate_hook(self, node_id: str):  # noqa: ANN201
        def hook(tensor: torch.Tensor) -> None:
            # .grad itself is accumulated into in place by later backward calls: copy it
            self.add(ACCUMULATE, node_id, autograd_name="AccumulateGrad",
                     grad=copy_grad(tensor.grad))
        return hook
