"""The Jacobian lens: J, v, vᵀJ — and the reference grads of the all-ones seed.

Everything here is computed by torch.autograd on a pure function rebuilt from the document
(leaves → outputs); nothing is differentiated by hand. `analyse(doc, run)` is what the run
job calls after the real backward so the views get J and the ghost bars off the GUI thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from engine.document import Document
from engine.format import element_labels
from engine.lens import Lens
from engine.ops import CONSTANT, LEAF, get_op
from engine.run import GRADS, make_tensor
from engine.run import run as run_document
from engine.trace import Run

MAX_ENTRIES = 64 * 64  # above this the lens says so instead of freezing


class ForwardError(Exception):
    """The forward function could not be built or evaluated (torch's message inside)."""


@dataclass
class PureForward:
    """outputs = forward(*leaves): the document as a function of its grad-requiring leaves."""

    doc: Document
    leaf_ids: list[str]
    output_ids: list[str]

    def leaf_values(self) -> list[torch.Tensor]:
        out = []
        for leaf_id in self.leaf_ids:
            node = self.doc.node(leaf_id)
            assert node.value is not None
            out.append(make_tensor(node.value, node.dtype))
        return out

    def __call__(self, *leaves: torch.Tensor) -> tuple[torch.Tensor, ...]:
        tensors: dict[str, torch.Tensor] = dict(zip(self.leaf_ids, leaves, strict=True))
        for node in self.doc.topological_nodes():
            if node.id in tensors:
                continue
            if node.op in (LEAF, CONSTANT):
                assert node.value is not None
                tensors[node.id] = make_tensor(node.value, node.dtype)
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


def pure_forward(doc: Document) -> PureForward:
    leaves = [n.id for n in doc.leaves() if n.requires_grad]
    return PureForward(doc.clone(), leaves, [n.id for n in doc.outputs()])


def _seed_vector(run: Run, output_id: str, out: torch.Tensor) -> torch.Tensor | None:
    seed = run.seeds.get(output_id)
    if seed is not None:
        return seed.reshape(-1).to(out.dtype)
    if out.dim() == 0:
        return torch.ones(1, dtype=out.dtype)  # backward() on a scalar: the implicit 1.0
    return None  # bare backward() on a non-scalar: torch refused it


def _jacobian_rows(outputs: tuple[torch.Tensor, ...], leaves: list[torch.Tensor]) -> torch.Tensor:
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


def lens(doc: Document, run: Run, max_entries: int = MAX_ENTRIES) -> Lens:
    """J, v and vᵀJ for the document's current seeds, checked against `run`'s leaf grads."""
    result = Lens()
    fwd = pure_forward(doc)
    if not fwd.output_ids:
        result.note = "no output is marked"
        return result
    if not fwd.leaf_ids:
        result.note = "no leaf requires grad: J has no columns"
        return result
    values = fwd.leaf_values()
    for leaf_id, t in zip(fwd.leaf_ids, values, strict=True):
        start = len(result.col_labels)
        result.col_labels += element_labels(doc.node(leaf_id).name, tuple(t.shape))
        result.col_groups.append((leaf_id, start, len(result.col_labels)))
    shapes = [tuple(run.values[i].shape) if i in run.values else None for i in fwd.output_ids]
    if any(s is None for s in shapes):
        result.note = "the forward pass failed: no Jacobian"
        return result
    rows = sum(_numel(s) for s in shapes if s is not None)
    cols = len(result.col_labels)
    if rows * cols > max_entries:
        result.note = (f"J would be {rows}×{cols} = {rows * cols} entries; the lens shows up to "
                       f"{max_entries} (e.g. 64×64)")
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
    result.jacobian = _jacobian_rows(outputs, leaves).detach()
    _finish(doc, run, result, fwd.leaf_ids, list(zip(fwd.output_ids, outputs, strict=True)))
    return result


def _finish(doc: Document, run: Run, result: Lens, leaf_ids: list[str],
            outputs: list[tuple[str, torch.Tensor]]) -> None:
    """v from the run's seeds, vᵀJ, each vᵢ·Jᵢ, and the check against the run's .grad."""
    assert result.jacobian is not None
    seeds = [_seed_vector(run, i, o) for i, o in outputs]
    if any(s is None for s in seeds):
        result.note = "backward() without gradient= on a non-scalar output: torch has no v"
        return
    v = torch.cat([s for s in seeds if s is not None]).to(result.jacobian.dtype)
    if v.numel() != result.jacobian.shape[0]:
        result.note = "the seed's shape does not match the output's: torch refused it"
        return
    result.v = v
    result.vjp = v @ result.jacobian
    result.contributions = v[:, None] * result.jacobian
    _check(doc, run, result, leaf_ids)


def _check(doc: Document, run: Run, result: Lens, leaf_ids: list[str]) -> None:
    """Does vᵀJ equal the .grad the real backward left? Leaves without a grad must be zero."""
    if run.error is not None:
        result.note = "the backward run failed, so there is no .grad to compare with"
        return
    if doc.options.accumulate:
        result.note = "accumulating: .grad includes earlier runs, so it is not vᵀJ alone"
        return
    assert result.vjp is not None
    expected = []
    asked = doc.options.inputs
    for leaf_id, start, stop in result.col_groups:
        grad = run.leaf_grads.get(leaf_id)
        if asked is not None and leaf_id not in asked:
            # backward(inputs=...) left this leaf alone: nothing to compare
            expected.append(result.vjp[start:stop])
        elif grad is None:
            expected.append(torch.zeros(stop - start, dtype=result.vjp.dtype))
        else:
            expected.append(grad.reshape(-1).to(result.vjp.dtype))
    got = torch.cat(expected)
    diff = (got - result.vjp).abs()
    same_nan = got.isnan() & result.vjp.isnan()
    same_inf = (got == result.vjp) & got.isinf()
    diff = torch.where(same_nan | same_inf, torch.zeros_like(diff), diff)
    diff = torch.nan_to_num(diff, nan=float("inf"))
    scale = 1.0 + float(result.vjp.abs().nan_to_num(posinf=0.0).max())
    result.max_difference = float(diff.max()) if diff.numel() else 0.0
    result.worst_column = int(diff.argmax()) if diff.numel() else None
    tolerance = (1e-5 if result.vjp.dtype == torch.float32 else 1e-10) * scale
    result.matches = result.max_difference <= tolerance
    assert result.jacobian is not None
    if not result.matches and not bool(torch.isfinite(result.jacobian).all()):
        # e.g. J = [[-inf], [inf]], v = [1, 1]: the product gives nan, while backward's chain
        # rule met the infinity at a different step. Neither is wrong; there is nothing to check.
        result.matches = None
        result.note = ("J has NaN/Inf entries: vᵀJ as a product (−inf + inf = nan) can differ "
                       "from the backward's chain rule, so the two are not compared")


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
    """Attach the reference grads and the lens to `run` (called inside the run job).

    basis: an earlier run of the same document up to its seeds. Neither J nor the ghost
    bars (the all-ones seed) depend on the seeds, so they are taken from it; only v, vᵀJ
    and the check against this run's .grad are new."""
    if basis is not None and basis.lens is not None and basis.reference_grads is not None:
        run.reference_grads = basis.reference_grads
        try:
            run.lens = with_seeds(doc, run, basis.lens)
        except Exception as exc:
            run.lens = Lens(note=f"{type(exc).__name__}: {exc}")
        return
    try:
        run.reference_grads = reference_grads(doc)
    except Exception as exc:  # a bug, not torch: keep the main result usable
        run.warnings.append(f"reference gradients unavailable: {exc}")
    try:
        run.lens = lens(doc, run)
    except Exception as exc:
        run.lens = Lens(note=f"{type(exc).__name__}: {exc}")


def with_seeds(doc: Document, run: Run, earlier: Lens) -> Lens:
    """`earlier`'s J (a run of the same graph and values) with this run's v, vᵀJ and check."""
    if earlier.jacobian is None:
        return lens(doc, run)  # no J to reuse: whatever stopped it is rechecked
    result = Lens(row_labels=earlier.row_labels, col_labels=earlier.col_labels,
                  col_groups=earlier.col_groups, row_groups=earlier.row_groups,
                  jacobian=earlier.jacobian)
    _finish(doc, run, result, [leaf_id for leaf_id, _, _ in earlier.col_groups],
            [(out_id, run.values[out_id]) for out_id, _, _ in earlier.row_groups])
    return result


def as_lists(t: torch.Tensor | None) -> Any:
    return None if t is None else t.tolist()
