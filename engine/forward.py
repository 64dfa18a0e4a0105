"""One forward pass: a tensor per node, built in the plan's order, with a hook on every
autograd node an op builds (engine/recorder.py) and the maps the autograd view needs.

A run's time is mostly this loop, once per node, so the common case is kept short: an op
that builds one autograd node whose `next_functions` are its tensor arguments' own gradient
edges, slot i for argument i (torch.sin(x), a + b, x * x). That is checked on every run by
comparing the node's `next_functions` with what the arguments predict, never assumed; any
other op goes through engine/edge_slots.py as before.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from engine import sizes
from engine.document import Document, Edge, Node
from engine.edge_slots import edge_slots, gradient_key
from engine.grad_op import GRAD_OP
from engine.ops import CONSTANT, LEAF, NUMBER, OpSpec, get_op
from engine.plan import plan_for
from engine.pure_forward import make_tensor
from engine.recorder import Recorder
from engine.refusals import GraphIncomplete, Refusal

# the ops whose output has their inputs' broadcast shape, and those that never grow
from engine.sizes import _BROADCASTING, _NOT_GROWING
from engine.trace import INCOMPLETE, AutogradNode, Run, RunError

# (op name, with a plain-number input) -> the callable OpSpec.function gives: resolved once
_FUNCTIONS: dict[tuple[str, bool], Callable[..., Any]] = {}
_NO_GRADIENT = (None, 0)  # next_functions' entry for an argument that needs no gradient


class _Skip(Exception):
    """An input's own node failed; its error is recorded there."""


class Forward:
    """Tensors per node, plus the maps the autograd view needs."""

    def __init__(self, doc: Document, run: Run, recorder: Recorder) -> None:
        self.doc, self.run, self.rec = doc, run, recorder
        self.tensors: dict[str, torch.Tensor] = {}
        self.leaf_tensors: dict[str, torch.Tensor] = {}
        self.fn_owner: dict[Any, str | None] = {}  # grad_fn -> node id
        self.fn_ids: dict[Any, int] = {}  # grad_fn -> index in Run.autograd
        # grad_fn -> the ids of the autograd nodes it sends to, when known at build time
        self.next_ids: dict[Any, tuple[int, ...]] = {}
        # node id -> where a gradient for its tensor goes: (grad_fn, output_nr),
        # (AccumulateGrad, 0) for a leaf, (None, 0) when it needs none
        self.keys: dict[str, tuple[Any, int]] = {}
        # alias ViewBackward nodes added for the few edges no slot can stand for
        self.plumbing: set[Any] = set()
        # GRADS level: the autograd nodes to hook once forward has ended (hook_grads), the
        # document edges into each node that carry a gradient back, by source node, and
        # what backward leaves to be read (read_grads)
        self.pending: list[tuple[Any, str, torch.Tensor | None, tuple[tuple[int, Edge], ...]]] = []
        self.leaf_hooked: set[str] = set()  # tensors without grad_fn with a total hook
        self.fanout: dict[str, int] = {}  # node id -> edges out of it (engine/plan.py)
        self.retained: list[tuple[str, torch.Tensor]] = []
        self.derived: list[Edge] = []
        # a gradient kept as a graph (engine/grad_op.py) sends gradients into earlier ops
        # from its own autograd nodes, past every edge: no edge's gradient can be read back
        self.has_gradient_nodes = False
        self.budget = sizes.SizeBudget()  # every op's output size is checked before it runs
        # the budget's limits, read once per run: an output under both needs no call
        self.per_tensor = sizes.ELEMENTS_PER_TENSOR.value
        self.total_limit = sizes.ELEMENTS_TOTAL.value

    def compute(self, nodes: dict[str, Node]) -> None:
        """nodes: the document's nodes by id."""
        plan = plan_for(nodes, self.doc.graph.edges(keys=True))
        run, tensors, keys = self.run, self.tensors, self.keys
        values, errors, grad_nodes = run.values, run.node_errors, run.grad_nodes
        numbers = {i: n.value for i, n in nodes.items()
                   if n.op == CONSTANT and n.params.get(NUMBER)}
        steps, self.fanout = plan.steps, plan.fanout
        for node_id in plan.order:
            node = nodes[node_id]
            try:
                step = steps.get(node_id)
                if step is None:
                    out = self._source(node)
                else:
                    spec, edges, function = step
                    quick = self._quick(node, function, edges) \
                        if function is not None and not numbers else None
                    out = self._op(node, spec, edges, numbers) if quick is None else quick
            except _Skip:
                continue
            except GraphIncomplete as missing:  # still being built: a hint, not an error
                errors[node_id] = RunError(missing.kind, str(missing), node_id, INCOMPLETE)
                continue
            except Refusal as exc:  # the app's own refusal, under its own name
                errors[node_id] = RunError(exc.kind, str(exc), node_id, "forward")
                continue
            except Exception as exc:  # torch's own error, kept verbatim
                errors[node_id] = RunError(type(exc).__name__, str(exc), node_id, "forward")
                continue
            tensors[node_id] = out
            values[node_id] = out.detach()
            if out.requires_grad:
                grad_nodes.add(node_id)
                fn = out.grad_fn
                if fn is None:  # a leaf: its total arrives before AccumulateGrad
                    out.register_hook(self.rec.node_hook(node_id))
                    self.leaf_hooked.add(node_id)
                    keys[node_id] = gradient_key(out)
                else:
                    keys[node_id] = (fn, out.output_nr)
            else:
                keys[node_id] = _NO_GRADIENT

    def _source(self, node: Node) -> torch.Tensor:
        if node.op not in (LEAF, CONSTANT):
            get_op(node.op)  # an unknown op: its KeyError is the node's error
            raise AssertionError(node.op)
        assert node.value is not None
        t = make_tensor(node.value, node.dtype, node.op == LEAF and node.requires_grad)
        self.budget.add(t.numel(), node.name)
        if t.requires_grad:
            if node.grad is not None:  # what a training loop's earlier steps left in .grad
                t.grad = make_tensor(node.grad, node.dtype)
                self.budget.add(t.grad.numel(), node.name)
            self.leaf_tensors[node.id] = t
            if self.rec.full:
                t.register_post_accumulate_grad_hook(self.rec.accumulate_hook(node.id))
        return t

    def _op(self, node: Node, spec: OpSpec, edges: tuple[Edge | None, ...],
            numbers: dict[str, Any]) -> torch.Tensor:
        tensors, keys, fn_ids = self.tensors, self.keys, self.fn_ids
        inputs: list[Any] = []
        watched: list[tuple[int, Edge]] = []  # inputs that carry a gradient back
        expected: list[tuple[Any, int]] = []  # their gradient edges, argument by argument
        with_numbers = False
        for port, edge in zip(spec.inputs, edges, strict=True):
            if edge is None:
                raise GraphIncomplete(f"connect input {port!r}")
            source = edge.source
            tensor = tensors.get(source)
            if tensor is None:
                raise _Skip()
            if numbers and source in numbers:
                value = numbers[source]  # the snippet's plain number, not a tensor
                inputs.append(value)
                with_numbers = with_numbers or isinstance(value, bool | int | float)
                continue
            key = keys[source]
            if key[0] is not None:
                if key[0] not in fn_ids and tensor.grad_fn is None:
                    # a leaf's AccumulateGrad gets its number where it is first used
                    fn_ids[key[0]] = len(fn_ids)
                    self.fn_owner[key[0]] = source
                    self.next_ids[key[0]] = ()
                watched.append((len(inputs), edge))
            expected.append(key)
            inputs.append(tensor)
        if node.op not in _NOT_GROWING and not (node.op in _BROADCASTING and
                                                _one_shape(inputs)):
            # (an op that never grows is counted after it ran, as check_op would leave it;
            # inputs of one shape broadcast to that shape: `_count` refuses as this would)
            self.budget.check_op(node.op, inputs, node.params, node.name)
        if node.op == GRAD_OP:
            return self._gradient(node, spec, inputs, watched)
        if spec.params:
            out = spec.call(*inputs, **node.params)
        else:  # what spec.call does for an op without params, without its checks
            fn_key = (spec.name, with_numbers)
            function = _FUNCTIONS.get(fn_key)
            if function is None:
                function = _FUNCTIONS[fn_key] = spec.function(with_numbers)
            out = function(*inputs)
        return self._finish(node, spec, out, inputs, watched, expected)

    def _gradient(self, node: Node, spec: OpSpec, inputs: list[Any],
                  watched: list[tuple[int, Edge]]) -> torch.Tensor:
        """The gradient kept as a graph (engine/grad_op.py). torch differentiates `output`
        here, during forward, and the hooks already on its autograd nodes fire: what they
        record belongs to no call of the program, so it is taken back. Every autograd node
        torch recorded for the answer is this node's; an edge of its own carries what one of
        them sends straight to that input (a tensor a formula saved), where exactly one does
        (`_finish`): the rest of its gradient reaches earlier ops past every edge."""
        events, mark = self.run.events, len(self.run.events)
        node_grads, edge_grads = dict(self.run.node_grads), dict(self.run.edge_grads)
        try:
            out = spec.call(*inputs)
        finally:
            del events[mark:]
            self.run.node_grads, self.run.edge_grads = node_grads, edge_grads
        self.has_gradient_nodes = True
        return self._finish(node, spec, out, inputs, watched, [])

    def _quick(self, node: Node, function: Callable[..., Any],
               edges: tuple[Edge | None, ...]) -> torch.Tensor | None:
        """`_op` for the common case, kept short (it runs once per node): an op without
        params, every port connected to a computed tensor, each tensor that needs a
        gradient already numbered, no size estimate needed. None, having changed nothing,
        when that is not so: `_op` then does the whole work."""
        tensors, keys, fn_ids = self.tensors, self.keys, self.fn_ids
        inputs: list[Any] = []
        watched: list[tuple[int, Edge]] = []
        expected: list[tuple[Any, int]] = []
        for edge in edges:
            if edge is None:
                return None
            tensor = tensors.get(edge.source)
            if tensor is None:
                return None
            key = keys[edge.source]
            if key[0] is not None:
                if key[0] not in fn_ids:  # a leaf's AccumulateGrad not numbered yet
                    return None
                watched.append((len(inputs), edge))
            expected.append(key)
            inputs.append(tensor)
        if node.op not in _NOT_GROWING and not (node.op in _BROADCASTING and
                                                _one_shape(inputs)):
            return None
        return self._finish(node, None, function(*inputs), inputs, watched, expected)

    def _finish(self, node: Node, spec: OpSpec | None, out: Any, inputs: list[Any],
                watched: list[tuple[int, Edge]],
                expected: list[tuple[Any, int]]) -> torch.Tensor:
        """After the op ran: find its autograd nodes and the slot of each watched edge,
        count its size, and claim and hook its nodes."""
        if not isinstance(out, torch.Tensor):
            raise TypeError(f"{node.op} returned {type(out).__name__}, not a tensor")
        fn, fn_ids = out.grad_fn, self.fn_ids
        if fn is not None and watched and len(expected) == len(inputs) and \
                fn not in fn_ids and fn.next_functions == tuple(expected):
            # the common case: one new autograd node, slot i is argument i (the arguments'
            # own nodes are all numbered already, our aliases aside)
            elements, budget = out.numel(), self.budget
            if elements > self.per_tensor or budget.total + elements > self.total_limit:
                budget.add(elements, node.name, node.op)  # refuses, in its own words
            budget.total += elements
            self.fn_owner[fn] = node.id
            fn_ids[fn] = number = len(fn_ids)
            if self.rec.full:
                next_ids: list[int] = []
                for nxt, _ in expected:
                    if nxt is not None:
                        if nxt not in fn_ids:
                            break  # one of our aliases: autograd_graph looks through it
                        next_ids.append(fn_ids[nxt])
                else:
                    self.next_ids[fn] = tuple(next_ids)
                fn.register_hook(self.rec.grad_fn_hook(node.id, fn.name(), number,
                                                       out.output_nr, tuple(watched)))
            else:
                self.pending.append((fn, node.id, out, tuple(watched)))
            return out
        if fn is None and not out.requires_grad:
            self._count(out, node)
            return out  # nothing flows back through this op
        region = self._region(out)
        slots = edge_slots(out, region, inputs, watched) if watched else {}
        if slots is None and node.op == GRAD_OP:
            slots = {}  # its graph reaches its inputs in several places: no edge says it
        if slots is None:  # no slot per edge: watch these edges through aliases instead
            for position, watched_edge in watched:
                inputs[position] = self._through_alias(watched_edge)
            out = (spec or get_op(node.op)).call(*inputs, **node.params)
            region, slots = self._region(out), {}
        self._count(out, node)
        self._claim_grad_fns(out, node.id, region, slots)
        return out

    def _count(self, out: torch.Tensor, node: Node) -> None:
        """Count the op's output in the size budget (it refuses past either limit)."""
        elements = out.numel()
        if elements > self.per_tensor or self.budget.total + elements > self.total_limit:
            self.budget.add(elements, node.name, node.op)  # refuses, in its own words
        self.budget.total += elements

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
            return [fn]  # one autograd node per op
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
        and a hook (at the GRADS level only the nodes that report a total or an edge, and
        not before forward has ended: see `hook_grads`)."""
        rec, out_fn = self.rec, out.grad_fn
        for fn in region:
            self.fn_owner[fn] = node_id
            self.fn_ids[fn] = number = len(self.fn_ids)
            own = fn is out_fn
            edges = slots.get(fn, ())
            if rec.full:
                fn.register_hook(rec.grad_fn_hook(node_id, fn.name(), number,
                                                  out.output_nr if own else None, edges))
            elif own or edges:
                self.pending.append((fn, node_id, out if own else None, edges))

    def hook_grads(self, read_back: bool, output_ids: list[str]) -> None:
        """The GRADS level's hooks, once forward has ended and every edge is known.

        read_back (a program of one backward call over every leaf): an edge that is its
        source's only way back carries exactly its source's total, so it is read from there
        after backward (`read_grads`); only the other edges need a Python hook, and a node
        with no such edge has its total kept by autograd itself (`retain_grad`, no Python
        call). An output's total also holds its seed, so its edges are always hooked."""
        rec = self.rec
        if not read_back or self.has_gradient_nodes:
            for fn, node_id, out, edges in self.pending:
                fn.register_hook(rec.grads_hook(node_id, None if out is None else
                                                out.output_nr, edges))
            return
        outputs = {self.keys[i] for i in output_ids if i in self.keys}
        # the nodes whose total is reported: by their output's autograd node, or a leaf's hook
        totals = self.leaf_hooked.union(node_id for _, node_id, out, _ in self.pending
                                        if out is not None)
        alone = {i for i, count in self.fanout.items()
                 if count == 1 and i in totals and self.keys[i] not in outputs}
        retained, derived = self.retained, self.derived
        for fn, node_id, out, edges in self.pending:
            if len(edges) == 1 and edges[0][1].source in alone:  # most ops
                derived.append(edges[0][1])
                hooked: tuple[tuple[int, Edge], ...] = ()
            else:
                hooked = tuple((slot, e) for slot, e in edges if e.source not in alone)
                derived.extend(e for _, e in edges if e.source in alone)
            if hooked:  # a hook it needs anyway reports its total too
                fn.register_hook(rec.grads_hook(node_id, None if out is None else
                                                out.output_nr, hooked))
            elif out is not None:
                out.retain_grad()
                retained.append((node_id, out))

    def read_grads(self, run: Run) -> None:
        """After the backward call: the totals autograd retained, and the edges that carry
        their source's total (see `hook_grads`)."""
        node_grads, edge_grads = run.node_grads, run.edge_grads
        for node_id, out in self.retained:
            grad = out.grad
            if grad is not None:
                node_grads[node_id] = grad
        for edge in self.derived:
            grad = node_grads.get(edge.source)
            if grad is not None:
                edge_grads[edge] = grad

    def autograd_graph(self) -> list[AutogradNode]:
        """The grad_fn graph autograd built, our alias nodes skipped, in numbering order."""
        nodes = []
        known = self.next_ids
        for fn, number in self.fn_ids.items():
            name = fn.name()
            if name == "torch::autograd::AccumulateGrad":
                name = "AccumulateGrad"
            next_ids = known.get(fn)
            if next_ids is None:
                next_ids = tuple(_real_next(fn, self.plumbing, self.fn_ids))
            nodes.append(AutogradNode(number, name, self.fn_owner.get(fn), next_ids))
        return nodes


def _one_shape(inputs: list[Any]) -> bool:
    """Every input a tensor, all of one shape."""
    first = inputs[0] if inputs else None
    if not isinstance(first, torch.Tensor):
        return False
    return all(isinstance(t, torch.Tensor) and t.shape == first.shape for t in inputs)


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
