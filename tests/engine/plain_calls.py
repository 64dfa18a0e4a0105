"""The independent side of the calls tests: a document's program made with plain torch.

It knows the document only as data (leaf values, the op registry's torch callables, the list
of calls) and makes every call the way a script would, with no hooks and no aliases, stopping
at the first exception. What it records per call is what the engine's `CallResult` records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch

from engine.calls import BACKWARD, GRAD, Call
from engine.document import Document
from engine.ops import CONSTANT, LEAF, NUMBER, get_op

_DTYPES = {"float32": torch.float32, "float64": torch.float64, "int64": torch.int64}


@dataclass
class PlainCall:
    ran: bool = False
    grads: dict[str, torch.Tensor | None] = field(default_factory=dict)  # leaf id -> .grad
    error: tuple[str, str] | None = None  # (type, message)
    results: dict[str, torch.Tensor | None] = field(default_factory=dict)


def forward(doc: Document) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]]:
    values: dict[str, Any] = {}
    leaves: dict[str, torch.Tensor] = {}
    for node in doc.topological_nodes():
        if node.op in (LEAF, CONSTANT):
            if node.op == CONSTANT and node.params.get(NUMBER):
                values[node.id] = node.value
                continue
            t = torch.tensor(node.value, dtype=_DTYPES[node.dtype],
                             requires_grad=node.op == LEAF and node.requires_grad)
            values[node.id] = t
            if t.requires_grad:
                leaves[node.id] = t
            continue
        edges = doc.in_edges(node.id)
        spec = get_op(node.op)
        values[node.id] = spec.call(*[values[edges[p].source] for p in spec.inputs],
                                    **node.params)
    return values, leaves


def _seed(value: Any, out: torch.Tensor) -> torch.Tensor | None:
    # as a script writes it: torch.tensor(literal) is float32, and autograd casts it to the
    # output's dtype itself
    return None if value is None else torch.tensor(value)


def run_program(doc: Document) -> list[PlainCall]:
    values, leaves = forward(doc)
    done: list[PlainCall] = []
    failed = False
    for call in doc.calls:
        record = PlainCall()
        done.append(record)
        if not failed:
            try:
                record.ran = True
                _make(doc, call, values, record)
            except Exception as exc:  # noqa: BLE001 - compared with the engine's
                record.error = (type(exc).__name__, str(exc))
                failed = True
        record.grads = {i: None if t.grad is None else t.grad.detach().clone()
                        for i, t in leaves.items()}
    return done


def _make(doc: Document, call: Call, values: dict[str, Any], record: PlainCall) -> None:
    if call.kind not in (BACKWARD, GRAD):
        leaf_ids = call.leaves if call.leaves is not None else \
            [n.id for n in doc.leaves() if n.requires_grad]
        for leaf_id in leaf_ids:
            if call.set_to_none:
                values[leaf_id].grad = None
            else:
                values[leaf_id].grad.zero_()
        return
    if call.primary:
        outs = doc.outputs()
        tensors = [values[n.id] for n in outs]
        seeds = [None if not n.seed_enabled else
                 (torch.ones_like(t) if n.seed is None and t.dim() else _seed(n.seed, t))
                 for n, t in zip(outs, tensors, strict=True)]
        retain, inputs = doc.options.retain_graph, doc.options.inputs
    else:
        tensors = [values[i] for i in call.outputs]
        seeds = [_seed(v, t) for v, t in zip(call.seeds, tensors, strict=True)]
        retain, inputs = call.retain_graph, call.inputs
    if call.kind == GRAD:
        assert inputs is not None
        answers = torch.autograd.grad(tensors, [values[i] for i in inputs],
                                      grad_outputs=seeds, retain_graph=retain)
        record.results = {i: g.detach().clone() for i, g in zip(inputs, answers, strict=True)}
        return
    if inputs is None:
        torch.autograd.backward(tensors, grad_tensors=seeds, retain_graph=retain)
    else:
        torch.autograd.backward(tensors, grad_tensors=seeds, retain_graph=retain,
                                inputs=[values[i] for i in inputs])
