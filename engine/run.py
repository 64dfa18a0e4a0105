"""Forward in topological order, backward with the user's seeds, and the trace of both.

The runner never differentiates by hand. It builds real torch tensors, hooks every autograd
node forward builds (a post-hook sees the node's total gradient and what it sends along each
edge: engine/edge_slots.py maps those slots to document edges) and each leaf's
AccumulateGrad, then calls `torch.autograd.backward` and keeps every hook call in the order
the real engine made it.

Two levels: FULL records every event (the replay, exports); GRADS keeps only what cards and
the chart read (leaf .grad, node totals, edge gradients, per call) and is what a live seed
edit runs. The same document gives the same numbers at both levels.
"""

from __future__ import annotations

import gc
import re
import threading
from collections.abc import Sequence
from typing import Any

import torch

from engine.calls import BACKWARD, GRAD, JACOBIAN, ZERO_GRAD, Call
from engine.calls import backward as backward_call
from engine.calls import describe as describe_call
from engine.document import Document, Edge, Node
from engine.edge_slots import edge_slots, gradient_key
from engine.literal import Nested, all_integers
from engine.ops import CONSTANT, LEAF, NUMBER, get_op
from engine.order import id_order
from engine.pure_forward import functional_jacobian, make_tensor
from engine.recorder import Recorder, copy_grad
from engine.refusals import GraphIncomplete, Refusal
from engine.sizes import SizeBudget
from engine.trace import INCOMPLETE, AutogradNode, CallResult, Run, RunError
from engine.trace import ZERO_GRAD as ZEROED

FULL = "full"  # every hook call as an event: the replay's trace
GRADS = "grads"  # leaf .grad, node totals and edge gradients only: no events

class _Forward:
    """One forward pass: tensors per node, plus the maps the autograd view needs."""

    def __init__(self, doc: Document, run: Run, recorder: Recorder) -> None:
        self.doc, self.run, self.rec = doc, run, recorder
        self.tensors: dict[str, torch.Tensor] = {}
        self.leaf_tensors: dict[str, torch.Tensor] = {}
        self.fn_owner: dict[Any, str | None] = {}  # grad_fn -> node id
        self.fn_ids: dict[Any, int] = {}  # grad_fn -> index in Run.autograd
        # alias ViewBackward nodes added for the few edges no slot can stand for
        self.plumbing: set[Any] = set()
        self.budget = SizeBudget()  # every op's output size is checked before it runs

    def compute(self) -> None:
        # one pass over the edges instead of a networkx query per node: runs are hot
        self.in_edges: dict[str, dict[str, Edge]] = {}
        graph = self.doc.graph
        pairs = []
        for src, dst, port in graph.edges(keys=True):
            self.in_edges.setdefault(dst, {})[port] = Edge(src, dst, port)
            pairs.append((src, dst))
        nodes = graph.nodes
        for node_id in id_order(nodes, pairs):
            node: Node = nodes[node_id]["node"]
            try:
                out = self._compute_node(node)
            except _Skip:
                continue
            except GraphIncomplete as missing:  # still being built: a hint, not an error
                self.run.node_errors[node.id] = RunError(missing.kind, str(missing), node.id,
                                                         INCOMPLETE)
                continue
            except Refusal as exc:  # the app's own refusal, under its own name
                self.run.node_errors[node.id] = RunError(exc.kind, str(exc), node.id, "forward")
                continue
            except Exception as exc:  # torch's own error, kept verbatim
                self.run.node_errors[node.id] = RunError(type(exc).__name__, str(exc),
                                                         node.id, "forward")
                continue
            self.tensors[node.id] = out
            self.run.values[node.id] = out.detach()
            if out.requires_grad:
                self.run.grad_nodes.add(node.id)
                if out.grad_fn is None:  # a leaf: its total arrives before AccumulateGrad
                    out.register_hook(self.rec.node_hook(node.id))

    def _compute_node(self, node: Node) -> torch.Tensor:
        if node.op in (LEAF, CONSTANT):
            assert node.value is not None
            t = make_tensor(node.value, node.dtype, node.op == LEAF and node.requires_grad)
            self.budget.add(t.numel(), node.name)
            if t.requires_grad:
                self.leaf_tensors[node.id] = t
                if self.rec.full:
                    t.register_post_accumulate_grad_hook(self.rec.accumulate_hook(node.id))
            return t
        spec = get_op(node.op)
        edges = self.in_edges.get(node.id, {})
        inputs: list[Any] = []
        watched: list[tuple[int, Edge]] = []  # inputs that carry a gradient back
        for port in spec.inputs:
            edge = edges.get(port)
            if edge is None:
                raise GraphIncomplete(f"connect input {port!r}")
            if edge.source not in self.tensors:
                raise _Skip()  # upstream failed; its own error is recorded there
            source = self.doc.node(edge.source)
            if source.op == CONSTANT and source.params.get(NUMBER):
                inputs.append(source.value)  # the snippet's plain number, not a tensor
                continue
            tensor = self.tensors[edge.source]
            if tensor.requires_grad:
                self._number_accumulate(edge.source, tensor)
                watched.append((len(inputs), edge))
            inputs.append(tensor)
        self.budget.check_op(node.op, inputs, node.params, node.name)
        out = spec.call(*inputs, **node.params)
        if not isinstance(out, torch.Tensor):
            raise TypeError(f"{node.op} returned {type(out).__name__}, not a tensor")
        region = self._region(out)
        slots = edge_slots(out, region, inputs, watched) if watched else {}
        if slots is None:  # no slot per edge: watch these edges through aliases instead
            for position, edge in watched:
                inputs[position] = self._through_alias(edge)
            out = spec.call(*inputs, **node.params)
            region, slots = self._region(out), {}
        self.budget.add(out.numel(), node.name, node.op)
        self._claim_grad_fns(out, node.id, region, slots)
        return out

    def _number_accumulate(self, leaf_id: str, tensor: torch.Tensor) -> None:
        """A leaf's AccumulateGrad gets its number for the autograd view when first used."""
        if tensor.grad_fn is None:
            accumulate = gradient_key(tensor)[0]
            if accumulate not in self.fn_ids:
                self.fn_ids[accumulate] = len(self.fn_ids)
                self.fn_owner[accumulate] = leaf_id

    def _through_alias(self, edge: Edge) -> torch.Tensor:
        source = self.tensors[edge.source]
        alias = source.view_as(source)
        view_fn: Any = alias.grad_fn
        self.plumbing.add(view_fn)
        view_fn.register_prehook(self.rec.edge_prehook(edge))
        return alias

    def _region(self, out: torch.Tensor) -> list[Any]:
        """The autograd nodes forward built for this op: from its output down to its inputs'
        own nodes (already claimed) or our aliases."""
        fn, owned = out.grad_fn, self.fn_owner
        if fn is not None and fn not in owned and \
                all(nxt is None or nxt in owned for nxt, _ in fn.next_functions):
            return [fn]  # the common case: one autograd node per op
        region: list[Any] = []
        seen: set[Any] = set()
        stack: list[Any] = [out.grad_fn] if out.grad_fn is not None else []
        while stack:
            fn = stack.pop()
            if fn is None or fn in seen or fn in self.plumbing or fn in self.fn_owner:
                continue
            seen.add(fn)
            region.append(fn)
            stack.extend(nxt for nxt, _ in fn.next_functions)
        return region

    def _claim_grad_fns(self, out: torch.Tensor, node_id: str, region: list[Any],
                        slots: dict[Any, tuple[tuple[int, Edge], ...]]) -> None:
        """Every autograd node of the op's region belongs to node_id; each gets a number,
        and a hook (at the GRADS level only the nodes that report a total or an edge)."""
        for fn in region:
            self.fn_owner[fn] = node_id
            self.fn_ids[fn] = number = len(self.fn_ids)
            output_nr = out.output_nr if fn is out.grad_fn else None
            edges = slots.get(fn, ())
            if self.rec.full or output_nr is not None or edges:
                fn.register_hook(self.rec.grad_fn_hook(node_id, fn.name(), number, output_nr,
                                                       edges))

    def autograd_graph(self) -> list[AutogradNode]:
        """The grad_fn graph autograd built, our alias nodes skipped, in numbering order."""
        nodes = []
        for fn, number in self.fn_ids.items():
            name = fn.name()
            if name == "torch::autograd::AccumulateGrad":
                name = "AccumulateGrad"
            nodes.append(AutogradNode(number, name, self.fn_owner.get(fn),
                                      tuple(_real_next(fn, self.plumbing, self.fn_ids))))
        return nodes


class _Skip(Exception):
    pass


def run(doc: Document, previous: Run | None = None, level: str = FULL) -> Run:
    """Forward, then the document's calls in order. Never raises for torch errors.
    level GRADS leaves Run.events and Run.autograd empty (see the module docstring)."""
    # A run allocates thousands of small objects that live until it returns: the cyclic
    # collector would scan the whole heap (torch's modules included) again and again for
    # none of them. It is paused for the run, not turned off: re-enabled on the way out.
    # Only on the main thread: the switch is process-wide, and a collection must not be
    # moved into a worker thread (it could finalize Qt objects there).
    paused = gc.isenabled() and threading.current_thread() is threading.main_thread()
    if paused:
        gc.disable()
    try:
        return _run(doc, previous, level)
    finally:
        if paused:
            gc.enable()


def _run(doc: Document, previous: Run | None, level: str) -> Run:
    result = Run(names={n.id: n.name for n in doc.nodes()}, level=level)
    recorder = Recorder(result, level == FULL)
    fwd = _Forward(doc, result, recorder)
    fwd.compute()
    if recorder.full:
        result.autograd = fwd.autograd_graph()
    if result.node_errors:
        result.error = next(iter(result.node_errors.values()))
    result.output_ids = [n.id for n in doc.outputs()]
    for leaf_id in fwd.leaf_tensors:
        result.leaf_grads[leaf_id] = None
    if doc.options.accumulate and previous is not None:
        for leaf_id, t in fwd.leaf_tensors.items():
            old = previous.leaf_grads.get(leaf_id)
            if old is not None and old.shape == t.shape and old.dtype == t.dtype:
                t.grad = old.clone()
    result.grads_before = _grads(fwd)
    _Program(doc, fwd, result).run()
    result.leaf_grads = dict(result.calls[-1].grads_after if result.calls else
                             result.grads_before)
    return result


def _grads(fwd: _Forward) -> dict[str, torch.Tensor | None]:
    return {i: copy_grad(t.grad) for i, t in fwd.leaf_tensors.items()}


class _NotRun(Exception):
    """A call with nothing to call it on (no output marked): a warning, not torch's error."""


class _Unavailable(Exception):
    """A tensor the call needs was not computed: the forward's own error says why."""


class _Program:
    """The document's calls, in order, on the one forward graph: torch accumulates, frees
    buffers and raises exactly as it would in a script, which stops at the first error."""

    def __init__(self, doc: Document, fwd: _Forward, result: Run) -> None:
        self.doc, self.fwd, self.result = doc, fwd, result
        self._zeroing: str | None = None  # the leaf a zero_grad call is at

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
                try:
                    self._call(call, done)
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
        outputs = [n.id for n in self.doc.outputs()]
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
        if call.primary:
            outputs = self.doc.outputs()
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
        self._tensors(call.outputs)  # an output that could not be computed: say so first
        values = [t.detach() for t in self._tensors(call.inputs)]
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


def _seed_for(node: Node, out: torch.Tensor, warnings: list[str]) -> torch.Tensor | None:
    if not node.seed_enabled:
        return None
    if node.seed is None:
        return None if out.dim() == 0 else torch.ones_like(out)
    return _cast_seed(node.seed, node.name, out, warnings)


def _cast_seed(value: Nested, name: str, out: torch.Tensor,
               warnings: list[str]) -> torch.Tensor:
    seed = torch.tensor(value)
    if seed.dtype != out.dtype:
        kind = "integers" if all_integers(value) else str(seed.dtype).replace("torch.", "")
        warnings.append(f"the gradient for {name} was given as {kind}; "
                        f"converted to the output's dtype {str(out.dtype).replace('torch.', '')}")
        seed = seed.to(out.dtype)
    return seed


def _blamed_output(message: str, outputs: list[Node]) -> str:
    """torch names the failing output by index ("element 1 of tensors", "output[1]")."""
    match = re.search(r"(?:element |output\[|grad_output\[)(\d+)", message)
    index = int(match.group(1)) if match else 0
    if "implicitly created only for scalar" in message:
        return next((n.id for n in outputs if not n.seed_enabled), outputs[0].id)
    return outputs[min(index, len(outputs) - 1)].id


def _real_next(fn: Any, plumbing: set[Any], ids: dict[Any, int]) -> list[int]:
    out: list[int] = []
    for nxt, _ in fn.next_functions:
        if nxt is None:
            continue
        if nxt in plumbing:
            out.extend(_real_next(nxt, plumbing, ids))
        elif nxt in ids:
            out.append(ids[nxt])
    return out
