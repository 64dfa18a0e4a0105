"""Which slot of which autograd node carries each document edge's gradient back.

An autograd node's post-hook receives `grad_inputs`: what it sends along each of its
`next_functions`. When forward builds a node, the input tensors it was given are known, so
the slots that point at an input's own gradient edge (its grad_fn and output_nr, or a leaf's
AccumulateGrad) are the document edges' gradients: no extra autograd node is needed to watch
them. `x * x` is two slots of one node pointing at the same place, matched in argument order.
Where the mapping is not one slot per edge (an op that uses one input in several places
internally, or returns an input unchanged) the caller watches that node's edges another way.
"""

from __future__ import annotations

from typing import Any

import torch

from engine.document import Edge

# autograd node -> ((slot in next_functions, document edge), ...)
Slots = dict[Any, tuple[tuple[int, Edge], ...]]


def gradient_key(t: torch.Tensor) -> tuple[Any, int]:
    """Where a gradient for `t` is sent: (its grad_fn, output_nr), or (AccumulateGrad, 0)."""
    if t.grad_fn is not None:
        return t.grad_fn, t.output_nr
    edge = torch.autograd.graph.get_gradient_edge(t)
    return edge.node, edge.output_nr


def edge_slots(out: torch.Tensor, region: list[Any], inputs: list[Any],
               watched: list[tuple[int, Edge]]) -> Slots | None:
    """The slots of the autograd nodes in `region` (those forward just built for one op) that
    carry each watched edge's gradient; None when they cannot be told apart one to one.

    watched: (position in inputs, edge) for every input tensor that requires grad.
    """
    wanted: dict[tuple[Any, int], list[Edge]] = {}
    for position, edge in watched:
        wanted.setdefault(gradient_key(inputs[position]), []).append(edge)
    if out.requires_grad and (not region or gradient_key(out) in wanted):
        return None  # the op handed an input back: no node of its own to hook
    if len(region) == 1:  # the common case: one node, slot i is argument i
        fast = _positional(region[0], inputs, watched, wanted)
        if fast is not None:
            return fast
    found: dict[tuple[Any, int], list[tuple[Any, int]]] = {}
    for fn in region:
        for slot, (nxt, nr) in enumerate(fn.next_functions):
            if nxt is not None and (nxt, nr) in wanted:
                found.setdefault((nxt, nr), []).append((fn, slot))
    by_fn: dict[Any, list[tuple[int, Edge]]] = {}
    for key, edges in wanted.items():
        slots = found.get(key, [])
        if not slots:
            continue  # no gradient flows back through this input (it never arrives)
        if len(slots) != len(edges) or (len(slots) > 1 and
                                         any(fn is not slots[0][0] for fn, _ in slots)):
            return None
        # one node, its slots in argument order: torch lists next_functions in that order
        for (fn, slot), edge in zip(sorted(slots, key=lambda s: s[1]), edges, strict=True):
            by_fn.setdefault(fn, []).append((slot, edge))
    return {fn: tuple(sorted(pairs, key=lambda p: p[0])) for fn, pairs in by_fn.items()}


def _positional(fn: Any, inputs: list[Any], watched: list[tuple[int, Edge]],
                wanted: dict[tuple[Any, int], list[Edge]]) -> Slots | None:
    """Slot i of fn is argument i for every watched input, and no other slot leads to one."""
    nexts = fn.next_functions
    if len(nexts) < len(inputs):
        return None
    for position, _ in watched:
        if nexts[position] != gradient_key(inputs[position]):
            return None
    if sum(1 for nxt in nexts if nxt in wanted) != len(watched):
        return None
    return {fn: tuple(watched)}
