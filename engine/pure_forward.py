"""The document as a pure function of some of its nodes, and J of it by real autograd.

`PureForward` rebuilds the computation from chosen input nodes to chosen output nodes on
fresh tensors, so autograd can differentiate it without touching the run's own tensors or
any `.grad`: the Jacobian lens (engine/jacobian.py) and a program's jacobian call
(engine/run.py hands it to `torch.autograd.functional.jacobian`) both use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import networkx as nx
import torch

from engine.document import Document
from engine.dtypes import torch_dtype
from engine.grad_op import GRAD_OP
from engine.literal import Nested
from engine.ops import CONSTANT, LEAF, NUMBER, get_op
from engine.trace import Run


def make_tensor(value: Nested, dtype: str, requires_grad: bool = False) -> torch.Tensor:
    return torch.tensor(value, dtype=torch_dtype(dtype), requires_grad=requires_grad)


class ForwardError(Exception):
    """The forward function could not be built or evaluated (torch's message inside)."""


@dataclass
class PureForward:
    """outputs = forward(*leaves): the document as a function of its grad-requiring leaves."""

    doc: Document
    leaf_ids: list[str]
    output_ids: list[str]

    @cached_property
    def graded(self) -> bool:
        """A gradient kept as a graph differentiates by its input: a leaf it reaches must
        require grad here as in the document, or torch has nothing to differentiate by.
        Told once: the function is called again and again on one document (J row by row)."""
        return any(node.op == GRAD_OP for node in self.doc.nodes())

    @cached_property
    def needed(self) -> set[str]:
        """The outputs and what they are computed from: nothing else runs (a gradient node
        elsewhere may differentiate by a tensor this function takes as a fresh input, and
        torch would then find it unused)."""
        wanted = set(self.output_ids)
        for output in self.output_ids:
            wanted |= nx.ancestors(self.doc.graph, output)
        return wanted

    def __call__(self, *leaves: torch.Tensor) -> tuple[torch.Tensor, ...]:
        tensors: dict[str, torch.Tensor] = dict(zip(self.leaf_ids, leaves, strict=True))
        graded, needed = self.graded, self.needed
        for node in self.doc.topological_nodes():
            if node.id in tensors or node.id not in needed:
                continue
            if node.op in (LEAF, CONSTANT):
                assert node.value is not None
                tensors[node.id] = make_tensor(node.value, node.dtype,
                                               graded and node.op == LEAF and node.requires_grad)
                continue
            edges = self.doc.in_edges(node.id)
            spec = get_op(node.op)
            try:
                args = [tensors[edges[port].source] for port in spec.inputs]
            except KeyError:
                continue  # unconnected or upstream failed: only matters if an output needs it
            try:
                tensors[node.id] = spec.call(*args, **node.params)
            except Exception as exc:
                raise ForwardError(f"{type(exc).__name__} at {node.name}: {exc}") from exc
        missing = [i for i in self.output_ids if i not in tensors]
        if missing:
            raise ForwardError(f"{self.doc.node(missing[0]).name} could not be computed")
        return tuple(tensors[i] for i in self.output_ids)


def graph_value(doc: Document, node_id: str) -> torch.Tensor:
    """A node's value computed with autograd on, from its ancestors alone, each leaf
    requiring grad as the document says: what a gradient kept as a graph needs (the
    snippet reader's own values are computed with grad off). torch's errors propagate."""
    wanted = nx.ancestors(doc.graph, node_id) | {node_id}
    values: dict[str, Any] = {}
    for node in doc.topological_nodes():
        if node.id not in wanted:
            continue
        if node.op in (LEAF, CONSTANT):
            assert node.value is not None
            values[node.id] = node.value if node.params.get(NUMBER) else make_tensor(
                node.value, node.dtype, node.op == LEAF and node.requires_grad)
            continue
        edges = doc.in_edges(node.id)
        spec = get_op(node.op)
        with torch.enable_grad():
            values[node.id] = spec.call(*(values[edges[p].source] for p in spec.inputs),
                                        **node.params)
    return values[node_id]  # type: ignore[no-any-return]


def pure_forward(doc: Document, output_ids: list[str] | None = None,
                 input_ids: list[str] | None = None) -> PureForward:
    """outputs = f(*inputs); by default the marked outputs of every leaf that requires grad.
    An input may be an inner node (autograd.grad by it): the function then starts there."""
    leaves = [n.id for n in doc.leaves() if n.requires_grad] if input_ids is None \
        else list(input_ids)
    outputs = [n.id for n in doc.outputs()] if output_ids is None else list(output_ids)
    return PureForward(doc.clone(), leaves, outputs)


def input_values(fwd: PureForward, run: Run) -> list[torch.Tensor]:
    """Each input's value: a leaf's own literal, an inner node's value in the run."""
    out = []
    for node_id in fwd.leaf_ids:
        node = fwd.doc.node(node_id)
        if node.value is not None:
            out.append(make_tensor(node.value, node.dtype))
        else:
            out.append(run.values[node_id].detach().clone())
    return out


def jacobian_rows(outputs: tuple[torch.Tensor, ...], leaves: list[torch.Tensor]) -> torch.Tensor:
    """All rows of J with one batched autograd.grad call (a loop if vmap cannot do an op)."""
    flat = torch.cat([o.reshape(-1) for o in outputs])
    cols = sum(t.numel() for t in leaves)
    if flat.numel() == 0 or cols == 0:
        return torch.zeros(flat.numel(), cols, dtype=flat.dtype)
    if not flat.requires_grad:
        return torch.zeros(flat.numel(), cols, dtype=flat.dtype)
    eye = torch.eye(flat.numel(), dtype=flat.dtype)
    try:
        grads = torch.autograd.grad(flat, leaves, eye, retain_graph=True, allow_unused=True,
                                    is_grads_batched=True)
        parts = [torch.zeros(flat.numel(), t.numel(), dtype=flat.dtype) if g is None
                 else g.reshape(flat.numel(), -1).to(flat.dtype) for g, t in zip(grads, leaves,
                                                                               strict=True)]
        return torch.cat(parts, dim=1)
    except RuntimeError:
        rows = []
        for i in range(flat.numel()):
            gs = torch.autograd.grad(flat[i], leaves, retain_graph=True, allow_unused=True)
            rows.append(torch.cat([torch.zeros(t.numel(), dtype=flat.dtype) if g is None
                                   else g.reshape(-1).to(flat.dtype)
                                   for g, t in zip(gs, leaves, strict=True)]))
        return torch.stack(rows)




def functional_jacobian(doc: Document, output_ids: list[str], input_ids: list[str],
                        values: list[torch.Tensor], tuple_inputs: bool, tuple_outputs: bool
                        ) -> dict[tuple[str, str], torch.Tensor]:
    """What `torch.autograd.functional.jacobian(f, inputs)` returns, f being the graph from
    the input nodes (at `values`) to the output nodes: torch's own function is called, so
    its rules and errors are torch's. By (output id, input id): a block of shape
    output.shape + input.shape. No `.grad` changes: torch differentiates copies."""
    fwd = PureForward(doc, list(input_ids), list(output_ids))

    def f(*inputs: torch.Tensor) -> torch.Tensor | tuple[torch.Tensor, ...]:
        outputs = fwd(*inputs)
        return outputs if tuple_outputs else outputs[0]

    given = tuple(values) if tuple_inputs else values[0]
    answer = torch.autograd.functional.jacobian(f, given)
    per_output = answer if tuple_outputs else (answer,)
    blocks: dict[tuple[str, str], torch.Tensor] = {}
    for out_id, row in zip(output_ids, per_output, strict=True):
        per_input = row if tuple_inputs else (row,)
        for in_id, block in zip(input_ids, per_input, strict=True):
            blocks[(out_id, in_id)] = block.detach()
    return blocks
