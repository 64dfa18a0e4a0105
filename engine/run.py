"""Forward in topological order, backward with the user's seeds, and the trace of both.

The runner never differentiates by hand. It builds real torch tensors, feeds every edge
through its own alias (`t.view_as(t)`) so that a hook on the alias sees exactly what that
edge carries back, hooks each node's output (its total gradient) and each leaf's
AccumulateGrad, then calls `torch.autograd.backward` and keeps every hook call in the order
the real engine made it.
"""

from __future__ import annotations

import re
from typing import Any

import torch

from engine.document import Document, Edge, Node
from engine.literal import Nested, all_integers
from engine.ops import CONSTANT, LEAF, get_op
from engine.trace import (
    ACCUMULATE,
    EDGE_GRAD,
    GRAD_FN,
    NODE_GRAD,
    AutogradNode,
    Run,
    RunError,
    TraceEvent,
)

_DTYPES = {"float32": torch.float32, "float64": torch.float64, "int64": torch.int64,
           "bool": torch.bool}


def dtype_of(name: str) -> torch.dtype:
    return _DTYPES[name]


def make_tensor(value: Nested, dtype: str, requires_grad: bool = False) -> torch.Tensor:
    return torch.tensor(value, dtype=_DTYPES[dtype], requires_grad=requires_grad)


def _copy(t: torch.Tensor | None) -> torch.Tensor | None:
    return None if t is None else t.detach().clone()


class _Recorder:
    """Collects hook calls into Run.events in arrival order."""

    def __init__(self, run: Run) -> None:
        self.run = run

    def add(self, kind: str, node_id: str | None, **fields: Any) -> None:
        self.run.events.append(TraceEvent(len(self.run.events), kind, node_id, **fields))

    def node_hook(self, node_id: str):  # noqa: ANN201 - torch hook signature
        def hook(grad: torch.Tensor) -> None:
            g = _copy(grad)
            assert g is not None
            self.run.node_grads[node_id] = g
            self.add(NODE_GRAD, node_id, grad=g)
        return hook

    def edge_hook(self, edge: Edge):  # noqa: ANN201
        def hook(grad: torch.Tensor) -> None:
            g = _copy(grad)
            assert g is not None
            self.run.edge_grads[edge] = g
            self.add(EDGE_GRAD, edge.source, edge=edge, grad=g)
        return hook

    def grad_fn_hook(self, node_id: str | None, name: str, autograd_id: int):  # noqa: ANN201
        def hook(grad_inputs: tuple, grad_outputs: tuple) -> None:
            self.add(GRAD_FN, node_id, autograd_name=name, autograd_id=autograd_id,
                     grads_in=tuple(_copy(g) for g in grad_outputs),
                     grads_out=tuple(_copy(g) for g in grad_inputs))
        return hook

    def accumulate_hook(self, node_id: str):  # noqa: ANN201
        def hook(tensor: torch.Tensor) -> None:
            self.add(ACCUMULATE, node_id, autograd_name="AccumulateGrad",
                     grad=_copy(tensor.grad))
        return hook


class _Forward:
    """One forward pass: tensors per node, plus the maps the autograd view needs."""

    def __init__(self, doc: Document, run: Run, recorder: _Recorder) -> None:
        self.doc, self.run, self.rec = doc, run, recorder
        self.tensors: dict[str, torch.Tensor] = {}
        self.leaf_tensors: dict[str, torch.Tensor] = {}
        self.fn_owner: dict[Any, str | None] = {}  # grad_fn -> node id
        self.plumbing: set[Any] = set()  # the alias ViewBackward nodes we added

    def compute(self) -> None:
        for node in self.doc.topological_nodes():
            try:
                out = self._compute_node(node)
            except _Skip:
                continue
            except Exception as exc:  # torch's own error, kept verbatim
                self.run.node_errors[node.id] = RunError(type(exc).__name__, str(exc),
                                                         node.id, "forward")
                continue
            self.tensors[node.id] = out
            self.run.values[node.id] = out.detach()
            if out.requires_grad:
                self.run.grad_nodes.add(node.id)
                out.register_hook(self.rec.node_hook(node.id))

    def _compute_node(self, node: Node) -> torch.Tensor:
        if node.op in (LEAF, CONSTANT):
            assert node.value is not None
            t = make_tensor(node.value, node.dtype, node.op == LEAF and node.requires_grad)
            if t.requires_grad:
                self.leaf_tensors[node.id] = t
                t.register_post_accumulate_grad_hook(self.rec.accumulate_hook(node.id))
            return t
        spec = get_op(node.op)
        edges = self.doc.in_edges(node.id)
        inputs = []
        for port in spec.inputs:
            edge = edges.get(port)
            if edge is None:
                raise _MissingInput(f"input {port!r} of {node.name} ({node.op}) is not connected")
            if edge.source not in self.tensors:
                raise _Skip()  # upstream failed; its own error is recorded there
            inputs.append(self._through_alias(edge))
        out = spec.call(*inputs, **node.params)
        if not isinstance(out, torch.Tensor):
            raise TypeError(f"{node.op} returned {type(out).__name__}, not a tensor")
        self._claim_grad_fns(out, node.id)
        return out

    def _through_alias(self, edge: Edge) -> torch.Tensor:
        source = self.tensors[edge.source]
        if not source.requires_grad:
            return source  # carries no gradient: nothing to watch
        alias = source.view_as(source)
        self.plumbing.add(alias.grad_fn)
        alias.register_hook(self.rec.edge_hook(edge))
        return alias

    def _claim_grad_fns(self, out: torch.Tensor, node_id: str) -> None:
        """Every autograd node between this output and its input aliases belongs to node_id."""
        stack = [out.grad_fn] if out.grad_fn is not None else []
        while stack:
            fn = stack.pop()
            if fn is None or fn in self.plumbing or fn in self.fn_owner:
                continue
            if fn.name() == "torch::autograd::AccumulateGrad":
                continue
            self.fn_owner[fn] = node_id
            stack.extend(nxt for nxt, _ in fn.next_functions)


class _MissingInput(Exception):
    pass


class _Skip(Exception):
    pass


def run(doc: Document, previous: Run | None = None) -> Run:
    """Forward and backward of `doc` with its seeds and options. Never raises for torch errors."""
    result = Run(names={n.id: n.name for n in doc.nodes()})
    recorder = _Recorder(result)
    fwd = _Forward(doc, result, recorder)
    fwd.compute()
    if result.node_errors:
        result.error = next(iter(result.node_errors.values()))
    outputs = [n for n in doc.outputs()]
    result.output_ids = [n.id for n in outputs]
    for leaf_id in fwd.leaf_tensors:
        result.leaf_grads[leaf_id] = None
    if not outputs:
        result.warnings.append("no output is marked: mark a node as output to run backward")
        return result
    if any(n.id not in fwd.tensors for n in outputs):
        if result.error is None:
            result.error = RunError("RuntimeError", "an output could not be computed",
                                    outputs[0].id, "forward")
        return result
    _backward(doc, fwd, result, recorder, outputs, previous)
    return result


def _seed_for(node: Node, out: torch.Tensor, warnings: list[str]) -> torch.Tensor | None:
    if not node.seed_enabled:
        return None
    if node.seed is None:
        return None if out.dim() == 0 else torch.ones_like(out)
    seed = torch.tensor(node.seed)
    if seed.dtype != out.dtype:
        kind = "integers" if all_integers(node.seed) else str(seed.dtype).replace("torch.", "")
        warnings.append(f"the gradient for {node.name} was given as {kind}; "
                        f"converted to the output's dtype {str(out.dtype).replace('torch.', '')}")
        seed = seed.to(out.dtype)
    return seed


def _backward(doc: Document, fwd: _Forward, result: Run, rec: _Recorder, outputs: list[Node],
              previous: Run | None) -> None:
    tensors = [fwd.tensors[n.id] for n in outputs]
    seeds = [_seed_for(n, t, result.warnings) for n, t in zip(outputs, tensors, strict=True)]
    result.seeds = {n.id: _copy(s) for n, s in zip(outputs, seeds, strict=True)}
    _hook_grad_fns(fwd, result, rec, tensors)
    if doc.options.accumulate and previous is not None:
        for leaf_id, t in fwd.leaf_tensors.items():
            old = previous.leaf_grads.get(leaf_id)
            if old is not None and old.shape == t.shape and old.dtype == t.dtype:
                t.grad = old.clone()
    result.grads_before = {i: _copy(t.grad) for i, t in fwd.leaf_tensors.items()}
    inputs = None
    if doc.options.inputs is not None:
        inputs = [fwd.tensors[i] for i in doc.options.inputs if i in fwd.tensors]
    try:
        kwargs: dict[str, Any] = {"retain_graph": doc.options.retain_graph}
        if inputs is not None:
            kwargs["inputs"] = inputs
        torch.autograd.backward(tensors, grad_tensors=seeds, **kwargs)
    except Exception as exc:  # torch's message, verbatim, on the output it names
        node_id = _blamed_output(str(exc), outputs)
        result.error = result.error or RunError(type(exc).__name__, str(exc), node_id, "backward")
    for leaf_id, t in fwd.leaf_tensors.items():
        result.leaf_grads[leaf_id] = _copy(t.grad)


def _blamed_output(message: str, outputs: list[Node]) -> str:
    """torch names the failing output by index ("element 1 of tensors", "output[1]")."""
    match = re.search(r"(?:element |output\[|grad_output\[)(\d+)", message)
    index = int(match.group(1)) if match else 0
    if "implicitly created only for scalar" in message:
        return next((n.id for n in outputs if not n.seed_enabled), outputs[0].id)
    return outputs[min(index, len(outputs) - 1)].id


def _hook_grad_fns(fwd: _Forward, result: Run, rec: _Recorder, roots: list[torch.Tensor]) -> None:
    """Walk the grad_fn graph from the outputs: number it, map it, hook every real node."""
    ids: dict[Any, int] = {}
    order: list[Any] = []
    stack = [t.grad_fn for t in roots if t.grad_fn is not None]
    while stack:
        fn = stack.pop()
        if fn in ids:
            continue
        if fn in fwd.plumbing:  # skip our aliases: they are edges, not autograd's own work
            stack.extend(nxt for nxt, _ in fn.next_functions if nxt is not None)
            continue
        ids[fn] = len(order)
        order.append(fn)
        stack.extend(nxt for nxt, _ in fn.next_functions if nxt is not None)
    leaf_of = {id(t): i for i, t in fwd.leaf_tensors.items()}
    for fn in order:
        if fn.name() == "torch::autograd::AccumulateGrad":
            owner = leaf_of.get(id(fn.variable))
            name = "AccumulateGrad"
        else:
            owner = fwd.fn_owner.get(fn)
            name = fn.name()
            fn.register_hook(rec.grad_fn_hook(owner, name, ids[fn]))
        result.autograd.append(AutogradNode(ids[fn], name, owner,
                                            tuple(_real_next(fn, fwd.plumbing, ids))))


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
