"""Forward in topological order, backward with the user's seeds, and the trace of both.

The runner never differentiates by hand. It builds real torch tensors, hooks every autograd
node forward builds (a post-hook sees the node's total gradient and what it sends along each
edge: engine/edge_slots.py maps those slots to document edges) and each leaf's
AccumulateGrad, then calls `torch.autograd.backward` and keeps every hook call in the order
the real engine made it.

Two levels: FULL records every event (the replay, exports); GRADS keeps only what cards and
the chart read (leaf .grad, node totals, edge gradients, per call) and is what a live seed
edit runs: for a one-call program it reads most of them back after backward instead of
hooking them (Forward.hook_grads). The same document gives the same numbers at both levels.
"""

from __future__ import annotations

import gc
import re
import threading
from collections.abc import Callable, Sequence
from typing import Any

import torch

from engine.autograd_functional import functional_answer, too_large
from engine.calls import BACKWARD, FUNCTIONAL, GRAD, JACOBIAN, ZERO_GRAD, Call
from engine.calls import backward as backward_call
from engine.calls import describe as describe_call
from engine.document import Document, Node
from engine.forward import Forward
from engine.hook_windows import Bypass, windows
from engine.literal import Nested, all_integers
from engine.memory_writes import write_after_forward
from engine.names import id_key
from engine.pure_forward import functional_jacobian
from engine.pure_forward import make_tensor as make_tensor  # where callers have long found it
from engine.recorder import Recorder, copy_grad
from engine.refusals import LimitExceeded
from engine.torch_defaults import DEFAULTS
from engine.trace import ZERO_GRAD as ZEROED
from engine.trace import CallResult, Run, RunError

FULL = "full"  # every hook call as an event: the replay's trace
GRADS = "grads"  # leaf .grad, node totals and edge gradients only: no events


def run(doc: Document, previous: Run | None = None, level: str = FULL, *,
        before_calls: Callable[[dict[str, torch.Tensor]], None] | None = None) -> Run:
    """Forward, then the document's calls in order. Never raises for torch errors.
    level GRADS leaves Run.events and Run.autograd empty (see the module docstring).
    `before_calls`: given the forward's tensors (node id → tensor) before the first call; a
    training loop's reading frees there what an earlier step's backward freed
    (snippets/kept_graphs.py). The app's own runs give none."""
    # A run allocates thousands of small objects that live until it returns: the cyclic
    # collector would scan the whole heap (torch's modules included) again and again for
    # none of them. It is paused for the run, not turned off: re-enabled on the way out.
    # Only on the main thread: the switch is process-wide, and a collection must not be
    # moved into a worker thread (it could finalize Qt objects there).
    paused = gc.isenabled() and threading.current_thread() is threading.main_thread()
    if paused:
        gc.disable()
    try:
        with DEFAULTS:  # never while another thread reads under a default of its own
            return _run(doc, previous, level, before_calls)
    finally:
        if paused:
            gc.enable()


def _run(doc: Document, previous: Run | None, level: str,
         before_calls: Callable[[dict[str, torch.Tensor]], None] | None) -> Run:
    nodes: dict[str, Node] = dict(doc.graph.nodes(data="node"))  # once: runs are hot
    result = Run(names={i: n.name for i, n in nodes.items()}, level=level)
    recorder = Recorder(result, level == FULL)
    fwd = Forward(doc, result, recorder)
    fwd.compute(nodes)
    if recorder.full:
        result.autograd = fwd.autograd_graph()
    if result.node_errors:
        result.error = next(iter(result.node_errors.values()))
    # in id order, as Document.outputs gives them; the document does not change during a run
    outputs = sorted((n for n in nodes.values() if n.is_output), key=lambda n: id_key(n.id))
    result.output_ids = [n.id for n in outputs]
    if not recorder.full:
        fwd.hook_grads(_read_back(doc), result.output_ids)
    for leaf_id in fwd.leaf_tensors:
        result.leaf_grads[leaf_id] = None
    if doc.options.accumulate and previous is not None:
        for leaf_id, t in fwd.leaf_tensors.items():
            old = previous.leaf_grads.get(leaf_id)
            if old is not None and old.shape == t.shape and old.dtype == t.dtype:
                t.grad = old.clone()
    result.grads_before = _grads(fwd)
    write_after_forward(nodes, fwd.tensors, result)  # `x.data *= 100` before the calls
    if before_calls is not None:
        before_calls(fwd.tensors)
    _Program(doc, fwd, result, outputs).run()
    result.leaf_grads = dict(result.calls[-1].grads_after if result.calls else
                             result.grads_before)
    return result


def _read_back(doc: Document) -> bool:
    """A program of one backward call over every leaf: each node's total and most edges'
    gradients can be read back after it (Forward.hook_grads) instead of hooked."""
    return len(doc.calls) == 1 and doc.calls[0].primary and doc.options.inputs is None


def _grads(fwd: Forward) -> dict[str, torch.Tensor | None]:
    return {i: copy_grad(t.grad) for i, t in fwd.leaf_tensors.items()}


class _NotRun(Exception):
    """A call with nothing to call it on (no output marked): a warning, not torch's error."""


class _Unavailable(Exception):
    """A tensor the call needs was not computed: the forward's own error says why."""


class _Program:
    """The document's calls, in order, on the one forward graph: torch accumulates, frees
    buffers and raises exactly as it would in a script, which stops at the first error."""

    def __init__(self, doc: Document, fwd: Forward, result: Run, outputs: list[Node]) -> None:
        self.doc, self.fwd, self.result, self.outputs = doc, fwd, result, outputs
        self._zeroing: str | None = None  # the leaf a zero_grad call is at
        # hooks registered after a call or removed before one: acting on some calls only
        self._windows = {i: (Bypass(fwd.tensors[i]), *w) for i, w in windows(doc).items()
                         if i in fwd.tensors}

    def run(self) -> None:
        failed = False
        grads = self.result.grads_before  # .grad now; copied only when a call ran
        for index, call in enumerate(self.doc.calls):
            label = describe_call(self._as_written(call), lambda i: self.result.names.get(i, i))
            done = CallResult(index, call.kind, label, call.primary)
            self.result.calls.append(done)
            done.grads_before = grads
            done.start = len(self.result.events)
            self.result.node_grads, self.result.edge_grads = {}, {}  # the hooks fill these
            if not failed:
                for bypass, first, end in self._windows.values():
                    bypass.on = not first <= index + 1 < end
                try:
                    try:
                        self._call(call, done)
                    finally:
                        self.fwd.read_grads(self.result)  # what backward left (GRADS level)
                    done.ran = True
                except _NotRun as why:
                    # an unmarked graph is worth a note only when no other call ran on it
                    if not (call.primary and len(self.doc.calls) > 1):
                        self.result.warnings.append(str(why))
                except Exception as exc:  # torch's own error, verbatim, at this call
                    done.ran, failed = True, True
                    missing = isinstance(exc, _Unavailable)
                    phase = "backward" if call.kind == BACKWARD else call.kind
                    done.error = RunError("RuntimeError" if missing else type(exc).__name__,
                                          str(exc), self._blame(call, done, str(exc)),
                                          "forward" if missing else phase, index)
                    self.result.error = self.result.error or done.error
            done.stop = len(self.result.events)
            done.grads_after = grads = _grads(self.fwd) if done.ran else grads
            done.node_grads, done.edge_grads = self.result.node_grads, self.result.edge_grads
        # the Run's own totals and edge gradients are the document's own backward call's,
        # to go with its seeds
        primary = next(c for c in self.result.calls if c.primary)
        self.result.node_grads, self.result.edge_grads = primary.node_grads, primary.edge_grads

    def _as_written(self, call: Call) -> Call:
        """The document's own backward call with its outputs and options filled in."""
        outputs = [n.id for n in self.outputs]
        if not call.primary or not outputs:
            return call
        options = self.doc.options
        return backward_call(outputs, retain_graph=options.retain_graph, inputs=options.inputs)

    def _blame(self, call: Call, done: CallResult, message: str) -> str | None:
        if call.kind == ZERO_GRAD:
            return self._zeroing
        outputs = [self.doc.node(i) for i in done.output_ids if i in self.doc.graph]
        return _blamed_output(message, outputs) if outputs else None

    def _tensors(self, ids: Sequence[str]) -> list[torch.Tensor]:
        missing = [i for i in ids if i not in self.fwd.tensors]
        if missing:
            raise _Unavailable(f"{self.result.names.get(missing[0], missing[0])} could not "
                               "be computed")
        return [self.fwd.tensors[i] for i in ids]

    def _call(self, call: Call, done: CallResult) -> None:
        if call.kind == ZERO_GRAD:
            self._zero_grad(call)
            return
        if call.kind == JACOBIAN:
            self._jacobian(call, done)
            return
        if call.kind == FUNCTIONAL:  # vjp, jvp, vhp, hvp, hessian: torch's own function
            if not call.outputs or not call.inputs:
                raise _NotRun(f"the {call.function} call has no output or no input left")
            done.output_ids = list(call.outputs)
            made = self._tensors(call.outputs)
            values = [t.detach() for t in self._tensors(call.inputs)]
            _refuse_if_too_large(call.function, made, values)
            done.answer = functional_answer(self.doc, call, values, made)
            return
        if call.primary:
            outputs = self.outputs
            if not outputs:
                raise _NotRun("no output is marked: mark a node as output to run backward")
            done.output_ids = [n.id for n in outputs]
            if any(n.id not in self.fwd.tensors for n in outputs):
                raise _Unavailable("an output could not be computed")
            tensors = self._tensors(done.output_ids)
            seeds = [_seed_for(n, t, self.result.warnings)
                     for n, t in zip(outputs, tensors, strict=True)]
            retain, inputs = self.doc.options.retain_graph, self.doc.options.inputs
            self.result.seeds = {n.id: copy_grad(s) for n, s in zip(outputs, seeds, strict=True)}
        else:
            done.output_ids = list(call.outputs)
            tensors = self._tensors(call.outputs)
            seeds = [None if v is None else _cast_seed(v, self.doc.node(i).name, t,
                                                       self.result.warnings)
                     for i, v, t in zip(call.outputs, call.seeds, tensors, strict=True)]
            retain, inputs = call.retain_graph, None if call.inputs is None else list(call.inputs)
        done.seeds = {i: copy_grad(s) for i, s in zip(done.output_ids, seeds, strict=True)}
        kwargs: dict[str, Any] = {"retain_graph": retain}
        if call.kind == GRAD:
            assert inputs is not None  # the document refuses a grad call without inputs
            answers = torch.autograd.grad(tensors, self._tensors(inputs), grad_outputs=seeds,
                                          **kwargs)
            done.results = {i: copy_grad(g) for i, g in zip(inputs, answers, strict=True)}
            return
        if inputs is not None:
            kwargs["inputs"] = [self.fwd.tensors[i] for i in inputs if i in self.fwd.tensors]
        torch.autograd.backward(tensors, grad_tensors=seeds, **kwargs)

    def _jacobian(self, call: Call, done: CallResult) -> None:
        """torch.autograd.functional.jacobian on copies of the inputs: no hook, no .grad."""
        if not call.outputs or not call.inputs:
            raise _NotRun("the jacobian call has no output or no input left")
        done.output_ids = list(call.outputs)
        made = self._tensors(call.outputs)  # an output that could not be computed: say so first
        values = [t.detach() for t in self._tensors(call.inputs)]
        _refuse_if_too_large("jacobian", made, values)
        done.jacobian = functional_jacobian(self.doc, list(call.outputs), list(call.inputs),
                                            values, call.tuple_inputs, call.tuple_outputs)

    def _zero_grad(self, call: Call) -> None:
        leaves = call.leaves
        if leaves is None:
            leaves = tuple(n.id for n in self.doc.leaves() if n.requires_grad)
        for leaf_id in leaves:
            self._zeroing = leaf_id
            (t,) = self._tensors([leaf_id])
            if call.set_to_none:
                t.grad = None
            else:
                grad: Any = t.grad  # on None: Python's own AttributeError, as in a script
                grad.zero_()
            self.fwd.rec.add(ZEROED, leaf_id, grad=copy_grad(t.grad))


def _refuse_if_too_large(function: str, outputs: list[torch.Tensor],
                         inputs: list[torch.Tensor]) -> None:
    why = too_large(function, sum(t.numel() for t in outputs), sum(t.numel() for t in inputs))
    if why is not None:
        raise LimitExceeded(why)


def _seed_for(node: Node, out: torch.Tensor, warnings: list[str]) -> torch.Tensor | None:
    if not node.seed_enabled:
        return None
    if node.seed is None:
        return None if out.dim() == 0 else torch.ones_like(out)
    return _cast_seed(node.seed, node.name, out, warnings)


def _cast_seed(value: Nested, name: str, out: torch.Tensor,
               warnings: list[str]) -> torch.Tensor:
    seed = torch.tensor(value)
    if seed.dtype != out.dtype and not _kept_exactly(seed, out.dtype):
        kind = "integers" if all_integers(value) else str(seed.dtype).replace("torch.", "")
        warnings.append(f"the gradient for {name} was given as {kind}; "
                        f"converted to the output's dtype {str(out.dtype).replace('torch.', '')}")
    return seed.to(out.dtype)


def _kept_exactly(seed: torch.Tensor, dtype: torch.dtype) -> bool:
    """A float seed for a float16/bfloat16 output whose numbers that dtype holds exactly
    (the numbers of a float16 tensor, 0.5): nothing is lost, so nothing to warn about."""
    return (dtype in (torch.float16, torch.bfloat16) and seed.is_floating_point()
            and bool((seed.to(dtype).to(seed.dtype) == seed).all()))


def _blamed_output(message: str, outputs: list[Node]) -> str:
    """torch names the failing output by index ("element 1 of tensors", "output[1]")."""
    match = re.search(r"(?:element |output\[|grad_output\[)(\d+)", message)
    index = int(match.group(1)) if match else 0
    if "implicitly created only for scalar" in message:
        return next((n.id for n in outputs if not n.seed_enabled), outputs[0].id)
    return outputs[min(index, len(outputs) - 1)].id

