"""What one run produced: values, gradients, and the ordered record of real autograd's hooks.

A `Run` is the only thing views read after a run. Its tensors are detached CPU copies.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from engine.document import Edge

if TYPE_CHECKING:
    from torch import Tensor

    from engine.lens import Lens

# Event kinds, in the words of the step list.
NODE_GRAD = "node_grad"  # a tensor hook on a node's output: the node's total gradient
EDGE_GRAD = "edge_grad"  # what one edge carried back (a slot of its consumer's grad_inputs)
GRAD_FN = "grad_fn"  # an autograd Node finished: gradient in, gradients out
ACCUMULATE = "accumulate"  # AccumulateGrad wrote a leaf's .grad (post-accumulate hook)
ZERO_GRAD = "zero_grad"  # a zero_grad call reset a leaf's .grad (grad: zeros, or None)


@dataclass(slots=True)  # not frozen: a frozen __init__ is several times slower, and runs are hot
class TraceEvent:
    index: int
    kind: str
    node_id: str | None
    edge: Edge | None = None
    # NODE_GRAD / EDGE_GRAD: the gradient; ACCUMULATE: the leaf's .grad after accumulating.
    # ZERO_GRAD: the leaf's .grad after the reset (None after `.grad = None`).
    grad: Tensor | None = None
    # GRAD_FN: torch's name of the autograd node ("MulBackward0"); ACCUMULATE: AccumulateGrad.
    autograd_name: str | None = None
    grads_in: tuple[Tensor | None, ...] = ()  # GRAD_FN: gradient w.r.t. the fn's outputs
    grads_out: tuple[Tensor | None, ...] = ()  # GRAD_FN: gradients w.r.t. the fn's inputs
    autograd_id: int | None = None  # GRAD_FN: index into Run.autograd


@dataclass(frozen=True)
class RunError:
    """An exception torch raised, kept verbatim, with the node it belongs to."""

    type: str
    message: str
    node_id: str | None
    phase: str  # "forward" | "backward" | "grad" | "zero_grad" | INCOMPLETE
    call: int | None = None  # the index in Run.calls of the call that raised it
    # the line of an imported snippet where torch raised while it was read (TorchRaised):
    # the document holds the statements before it, and the error is the snippet's
    line: int | None = None

    @property
    def incomplete(self) -> bool:
        """Not an error but a graph still being built (an input not connected yet)."""
        return self.phase == INCOMPLETE

    def describe(self, names: dict[str, str]) -> str:
        where = f" at {names.get(self.node_id, self.node_id)}" if self.node_id else ""
        if self.line is not None:
            where = f" at line {self.line} of the snippet"
        if self.incomplete:
            return f"{names.get(self.node_id or '', 'a node')}: {self.message}"
        return f"{self.type}{where}: {self.message}"


# the phase of a node whose input is not connected yet: a hint on its card, no alarm
INCOMPLETE = "incomplete"


@dataclass(frozen=True)
class AutogradNode:
    """One node of the grad_fn graph autograd built, mapped onto the user's node."""

    id: int
    name: str  # "MulBackward0", "AccumulateGrad", ...
    node_id: str | None  # the document node it belongs to
    next_ids: tuple[int, ...]  # autograd nodes it sends gradients to (plumbing skipped)


@dataclass
class CallResult:
    """What one call of the document's program did. Its events are
    Run.events[start:stop]; a call that was not run has an empty range."""

    index: int  # place in the document's program, from 0 (shown to people as index + 1)
    kind: str  # engine.calls.BACKWARD | ZERO_GRAD | GRAD | JACOBIAN | FUNCTIONAL
    label: str  # one line in torch's words, for a heading (engine.calls.describe)
    primary: bool = False  # the document's own backward: outputs marked on the graph
    output_ids: list[str] = field(default_factory=list)
    # by output id: the gradient= (backward) or grad_outputs= (grad) given; None = none
    seeds: dict[str, Tensor | None] = field(default_factory=dict)
    # False: not run, because an earlier call raised or there was nothing to call it on
    ran: bool = False
    error: RunError | None = None
    grads_before: dict[str, Tensor | None] = field(default_factory=dict)  # leaf id -> .grad
    grads_after: dict[str, Tensor | None] = field(default_factory=dict)  # leaf id -> .grad
    # autograd.grad only: what it returned, by input node id, in its inputs' order
    results: dict[str, Tensor | None] = field(default_factory=dict)
    # jacobian only: what torch.autograd.functional.jacobian returned, block by block:
    # (output id, input id) -> a tensor of shape output.shape + input.shape
    jacobian: dict[tuple[str, str], Tensor] = field(default_factory=dict)
    # functional only: what torch.autograd.functional.vjp / jvp / vhp / hvp / hessian
    # returned, nested as torch nests it (engine/autograd_functional.py)
    answer: Any = None
    # what this call sent through the graph: node totals, and what each edge carried back
    node_grads: dict[str, Tensor] = field(default_factory=dict)
    edge_grads: dict[Edge, Tensor] = field(default_factory=dict)
    start: int = 0
    stop: int = 0

    @property
    def events(self) -> range:
        return range(self.start, self.stop)


@dataclass
class Run:
    values: dict[str, Tensor] = field(default_factory=dict)
    node_grads: dict[str, Tensor] = field(default_factory=dict)
    edge_grads: dict[Edge, Tensor] = field(default_factory=dict)
    leaf_grads: dict[str, Tensor | None] = field(default_factory=dict)  # by leaf id
    seeds: dict[str, Tensor | None] = field(default_factory=dict)  # by output id; None = bare
    events: list[TraceEvent] = field(default_factory=list)
    error: RunError | None = None
    node_errors: dict[str, RunError] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    autograd: list[AutogradNode] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)  # node id -> name at run time
    output_ids: list[str] = field(default_factory=list)
    # nodes whose output requires grad: their out-edges can carry a gradient
    grad_nodes: set[str] = field(default_factory=set)
    # Filled by the run job (engine.jacobian.analyse): leaf grads of the all-ones seed, and J.
    reference_grads: dict[str, Tensor | None] | None = None
    lens: Lens | None = None
    # each leaf's .grad just before backward (kept from the previous run when accumulating):
    # what the replay shows until AccumulateGrad writes the new one
    grads_before: dict[str, Tensor | None] = field(default_factory=dict)
    # One entry per call of the document's program, in order (a one-call document: one).
    # leaf_grads above is .grad after the last call that ran; seeds, output_ids, node_grads
    # and edge_grads are the document's own backward call's (each call has its own).
    calls: list[CallResult] = field(default_factory=list)
    # engine.run.FULL: events and autograd recorded; GRADS: numbers only (events empty)
    level: str = "full"

    @property
    def traced(self) -> bool:
        return self.level == "full"

    def at_call(self, index: int) -> Run:
        """This run as seen right after call `index`: its .grad then, and what that call sent
        through the graph (node totals, edge gradients) with its own seeds and outputs. A
        shallow copy; views that read one call (Explain) take it instead of mixing calls."""
        if not 0 <= index < len(self.calls):
            return self
        call = self.calls[index]
        return replace(self, node_grads=call.node_grads, edge_grads=call.edge_grads,
                       leaf_grads=call.grads_after, seeds=call.seeds,
                       output_ids=call.output_ids, grads_before=call.grads_before)

    def grads_by_name(self) -> dict[str, Tensor | None]:
        return {self.names[i]: g for i, g in self.leaf_grads.items()}

    def error_text(self) -> str | None:
        return self.error.describe(self.names) if self.error else None
