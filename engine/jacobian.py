"""The Jacobian lens: J, v, vᵀJ — and the reference grads of the all-ones seed.

Everything here is computed by torch.autograd on a pure function rebuilt from the document
(leaves → outputs); nothing is differentiated by hand. `analyse(doc, run)` is what the run
job calls after the real backward so the views get J and the ghost bars off the GUI thread.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import torch

from engine.calls import BACKWARD, FUNCTIONAL, GRAD, JACOBIAN
from engine.document import Document
from engine.format import element_labels
from engine.lens import Lens
from engine.lens_target import CallTarget, compare, compare_jacobian
from engine.limits import JACOBIAN_ENTRIES, Limit
from engine.memory_writes import lens_note
from engine.pure_forward import (
    ForwardError,
    PureForward,
    input_values,
    jacobian_rows,
    pure_forward,
)
from engine.run import GRADS
from engine.run import run as run_document
from engine.trace import Run

MAX_ENTRIES = JACOBIAN_ENTRIES.value  # above this the lens says so instead of freezing


def _seed_vector(seed: torch.Tensor | None, out: torch.Tensor) -> torch.Tensor | None:
    """v for one output: the gradient given, the implicit 1 of a scalar, or None (torch
    refuses a non-scalar output given no gradient)."""
    if seed is not None:
        return seed.reshape(-1).to(out.dtype)
    return torch.ones(1, dtype=out.dtype) if out.dim() == 0 else None


JacobianCache = dict[tuple[Any, ...], Lens]


def lens(doc: Document, run: Run, call: int | None = None, max_entries: int = MAX_ENTRIES,
         cache: JacobianCache | None = None) -> Lens:
    """J and v of one backward or autograd.grad call of the program (by default the first
    backward call, the one the seed form edits) and vᵀJ, checked against what that call
    itself produced: its own share of .grad, or what autograd.grad returned. `cache` keeps
    J between calls with the same outputs and inputs."""
    target = CallTarget.of(doc, run, call)
    if target.kind not in (BACKWARD, GRAD, JACOBIAN, FUNCTIONAL):
        return Lens(call=target.index, label=target.label,
                    note=f"{target.label or 'this call'} is not a backward, autograd.grad "
                         "or jacobian call: it has no J")
    key = _cache_key(target)
    part = cache.get(key) if cache is not None else None
    if part is None:
        part = _jacobian(doc, run, pure_forward(doc, target.output_ids, target.input_ids),
                         max_entries)
        if cache is not None:
            cache[key] = part
    result = replace(part, call=target.index, kind=target.kind, label=target.label,
                     compared_with=target.compared_with(), others={})
    if result.jacobian is None:
        return result
    if target.kind == JACOBIAN:
        result.note = "torch.autograd.functional.jacobian gives all of J at once: no v, no vᵀJ"
        compare_jacobian(target, result)
        return result
    if target.kind == FUNCTIONAL and target.function != "vjp":
        result.note = (f"J of f; what torch.autograd.functional.{target.function} returned is "
                       "under its call in the seed panel")
        return result
    seeds = [_seed_vector(target.seeds.get(i), run.values[i]) for i, _, _ in result.row_groups]
    if any(s is None for s in seeds):
        result.note = "backward() without gradient= on a non-scalar output: torch has no v"
        return result
    v = torch.cat([s for s in seeds if s is not None]).to(result.jacobian.dtype)
    if v.numel() != result.jacobian.shape[0]:
        result.note = "the seed's shape does not match the output's: torch refused it"
        return result
    result.v = v
    result.vjp = v @ result.jacobian
    result.contributions = v[:, None] * result.jacobian
    result.note = lens_note(doc)  # backward read numbers written after forward: not vᵀJ
    if not result.note:
        compare(target, result)
    return result


def _cache_key(target: CallTarget) -> tuple[Any, ...]:
    return (tuple(target.output_ids), None if target.input_ids is None
            else tuple(target.input_ids))


def _jacobian(doc: Document, run: Run, fwd: PureForward, max_entries: int) -> Lens:
    """J of `fwd` at the run's values, with its row and column labels (or a note why not)."""
    result = Lens()
    if not fwd.output_ids:
        result.note = "no output is marked"
        return result
    if not fwd.leaf_ids:
        result.note = "no leaf requires grad: J has no columns"
        return result
    known = all(i in run.values or fwd.doc.node(i).value is not None for i in fwd.leaf_ids)
    values = input_values(fwd, run) if known else []
    for input_id, t in zip(fwd.leaf_ids, values, strict=True):
        start = len(result.col_labels)
        result.col_labels += element_labels(doc.node(input_id).name, tuple(t.shape))
        result.col_groups.append((input_id, start, len(result.col_labels)))
    shapes = [tuple(run.values[i].shape) if i in run.values else None for i in fwd.output_ids]
    if not known or any(s is None for s in shapes):
        building = run.error is not None and run.error.incomplete
        result.note = ("an input is not connected yet: no Jacobian" if building
                       else "the forward pass failed: no Jacobian")
        return result
    rows = sum(_numel(s) for s in shapes if s is not None)
    cols = len(result.col_labels)
    if rows * cols > max_entries:
        limit = Limit(JACOBIAN_ENTRIES.name, max_entries)
        result.note = f"J would be {rows}×{cols}: " + limit.message(f"{rows * cols:,}")
        return result
    leaves = [t.requires_grad_(True) for t in values]
    try:
        outputs = fwd(*leaves)
    except ForwardError as exc:
        result.note = str(exc)
        return result
    for out_id, out in zip(fwd.output_ids, outputs, strict=True):
        start = len(result.row_labels)
        result.row_labels += element_labels(doc.node(out_id).name, tuple(out.shape))
        result.row_groups.append((out_id, start, len(result.row_labels)))
    result.jacobian = jacobian_rows(outputs, leaves).detach()
    return result


def _numel(shape: tuple[int, ...]) -> int:
    n = 1
    for s in shape:
        n *= s
    return n


def reference_grads(doc: Document) -> dict[str, torch.Tensor | None]:
    """Leaf grads of a second real backward with every seed at its default (ones / 1.0):
    what `.sum().backward()` would give. The ghost bars of the chart."""
    twin = doc.clone()
    for node in twin.outputs():
        twin.update_node(node.id, seed=None, seed_enabled=True)
    twin.set_options(accumulate=False)
    return run_document(twin, level=GRADS).leaf_grads


def analyse(doc: Document, run: Run, basis: Run | None = None) -> None:
    """Attach the reference grads and the lens to `run` (called inside the run job): the
    lens of the first backward call, and that of every other backward or autograd.grad
    call in `run.lens.others` (the lens follows the call a view picks).

    basis: an earlier run of the same document up to its seeds. Neither J nor the ghost
    bars (the all-ones seed) depend on the seeds, so they are taken from it; only v, vᵀJ
    and each call's check are new."""
    cache: JacobianCache = {}
    if basis is not None and basis.lens is not None and basis.reference_grads is not None:
        run.reference_grads = basis.reference_grads
        cache = _known_jacobians(doc, run, basis.lens)
    else:
        try:
            run.reference_grads = reference_grads(doc)
        except Exception as exc:  # a bug, not torch: keep the main result usable
            run.warnings.append(f"reference gradients unavailable: {exc}")
    try:
        run.lens = lens(doc, run, cache=cache)
        for done in run.calls:
            if done.index != run.lens.call and done.kind in (BACKWARD, GRAD, JACOBIAN,
                                                             FUNCTIONAL):
                run.lens.others[done.index] = lens(doc, run, done.index, cache=cache)
    except Exception as exc:
        run.lens = Lens(note=f"{type(exc).__name__}: {exc}")


def _known_jacobians(doc: Document, run: Run, earlier: Lens) -> JacobianCache:
    """The J of every call `earlier` (a run of the same graph and values) computed, keyed as
    `lens` looks them up; a call whose J failed is not kept, so it is rechecked."""
    cache: JacobianCache = {}
    for done in [earlier, *earlier.others.values()]:
        if done.jacobian is None:
            continue
        key = _cache_key(CallTarget.of(doc, run, done.call))
        cache[key] = Lens(row_labels=done.row_labels, col_labels=done.col_labels,
                          col_groups=done.col_groups, row_groups=done.row_groups,
                          jacobian=done.jacobian)
    return cache


def as_lists(t: torch.Tensor | None) -> Any:
    return None if t is None else t.tolist()
