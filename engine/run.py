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

import networkx as nx
import torch

from engine.document import Document, Edge, Node, id_key
from engine.literal import Nested, all_integers
from engine.ops import CONSTANT, LEAF, NUMBER, get_op
from engine.trace import (
    ACCUMULATE,
    EDGE_GRAD,
    GRAD_FN,
    INCOMPLETE,
    NODE_GRAD,
    AutogradNode,
    Run,
    RunError,
    TraceEvent,
)

_DTYPES = {"float32": torch.float32, "float64": torch.float64, "int64": torch.int64,
           "bool": torch.bool}


def make_tensor(value: Nested, dtype: str, requires_grad: bool = False) -> torch.Tensor:
    return torch.tensor(value, dtype=_DTYPES[dtype], requires_grad=requires_grad)


def _copy(t: torch.Tensor | None) -> torch.Tensor | None:
    return None if t is None else t.detach().clone()


class _Recorder:
    """Collects hook calls into Run.events in arrival order.

    Gradients are kept as the very tensors autograd handed over, not copies: autograd only
    accumulates in place into a buffer nobody else references (it checks the use count), so
    holding the object keeps it intact, and a run's cost does not grow with copies.
    """

    def __init__(self, run: Run) -> None:
        self.run = run

    def add(self, kind: str, node_id: str | None, **fields: Any) -> None:
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

    def grad_fn_hook(self, node_id: str | None, name: str, autograd_id: int,
                     output_nr: int | None):  # noqa: ANN201
        # For the autograd node that made a document node's output, grad_outputs holds that
        # node's total gradient: the same tensor a hook on the output would see, at the same
        # moment, so one hook reports both (a second Python hook per node halves the speed).
        def hook(grad_inputs: tuple, grad_outputs: tuple) -> None:
            if output_nr is not None and node_id is not None:
                grad = grad_outputs[output_nr]
                self.run.node_grads[node_id] = grad
                self.add(NODE_GRAD, node_id, grad=grad)
            self.add(GRAD_FN, node_id, autograd_name=name, autograd_id=autograd_id,
                     grads_in=tuple(grad_outputs), grads_out=tuple(grad_inputs))
        return hook

    def accumulate_hook(self, node_id: str):  # noqa: ANN201
        def hook(tensor: torch.Tensor) -> None:
            # .grad itself is accumulated into in place by later backward calls: copy it
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
        self.fn_ids: dict[Any, int] = {}  # grad_fn -> index in Run.autograd
        self.plumbing: set[Any] = set()  # the alias ViewBackward nodes we added

    def compute(self) -> None:
        # one pass over the edges instead of a networkx query per node: runs are hot
        self.in_edges: dict[str, dict[str, Edge]] = {}
        for src, dst, port in self.doc.graph.edges(keys=True):
            self.in_edges.setdefault(dst, {})[port] = Edge(src, dst, port)
        graph = self.doc.graph
        # Id order where the graph allows: autograd orders its work by creation, so building
        # nodes in the snippet's order makes float sums come out bit-for-bit like the snippet.
        for node_id in nx.lexicographical_topological_sort(graph, key=id_key):
            node: Node = graph.nodes[node_id]["node"]
            try:
                out = self._compute_node(node)
            except _Skip:
                continue
            except _MissingInput as missing:  # still being built: a hint, not an error
                self.run.node_errors[node.id] = RunError("MissingInput", str(missing), node.id,
                                                         INCOMPLETE)
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
            if t.requires_grad:
                self.leaf_tensors[node.id] = t
                t.register_post_accumulate_grad_hook(self.rec.accumulate_hook(node.id))
            return t
        spec = get_op(node.op)
        edges = self.in_edges.get(node.id, {})
        inputs: list[Any] = []
        for port in spec.inputs:
            edge = edges.get(port)
            if edge is None:
                raise _MissingInput(f"connect input {port!r}")
            if edge.source not in self.tensors:
                raise _Skip()  # upstream failed; its own error is recorded there
            source = self.doc.node(edge.source)
            if source.op == CONSTANT and source.params.get(NUMBER):
                inputs.append(source.value)  # the snippet's plain number, not a tensor
            else:
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
        view_fn: Any = alias.grad_fn
        self.plumbing.add(view_fn)
        view_fn.register_prehook(self.rec.edge_prehook(edge))
        if source.grad_fn is None:  # a leaf: number its AccumulateGrad for the autograd view
            accumulate = view_fn.next_functions[0][0]
            if accumulate not in self.fn_ids:
                self.fn_ids[accumulate] = len(self.fn_ids)
                self.fn_owner[accumulate] = edge.source
        return alias

    def _claim_grad_fns(self, out: torch.Tensor, node_id: str) -> None:
        """Every autograd node between this output and its input aliases belongs to node_id;
        each gets a number and a hook."""
        stack: list[Any] = [out.grad_fn] if out.grad_fn is not None else []
        while stack:
            fn = stack.pop()
            if fn is None or fn in self.plumbing or fn in self.fn_owner:
                continue
            self.fn_owner[fn] = node_id
            self.fn_ids[fn] = number = len(self.fn_ids)
            output_nr = out.output_nr if fn is out.grad_fn else None
            fn.register_hook(self.rec.grad_fn_hook(node_id, fn.name(), number, output_nr))
            stack.extend(nxt for nxt, _ in fn.next_functions)

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
    result.autograd = fwd.autograd_graph()
    if result.node_errors:
        result.error = next(iter(result.node_errors.values()))
    outputs = doc.outputs()
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
    _backward(doc, fwd, result, outputs, previous)
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


def _backward(doc: Document, fwd: _Forward, result: Run, outputs: list[Node],
              previous: Run | None) -> None:
    tensors = [fwd.tensors[n.id] for n in outputs]
    seeds = [_seed_for(n, t, result.warnings) for n, t in zip(outputs, tensors, strict=True)]
    result.seeds = {n.id: _copy(s) for n, s in zip(outputs, seeds, strict=True)}
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
