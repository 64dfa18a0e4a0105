"""Which call of the program the Jacobian lens reads, and what its vᵀJ is checked against.

A program can make several calls on one graph. The lens shows J and v of one backward or
autograd.grad call and compares vᵀJ with what that call itself produced, never with .grad
after a different call: for a backward call its own share of .grad (.grad right after it
minus .grad right before it, both recorded by the run: Run.calls[k].grads_after/before, as
engine/accumulation.py splits the chart's stacks), for an autograd.grad call what it
returned. Nothing here differentiates.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from engine.calls import FUNCTIONAL, GRAD, JACOBIAN
from engine.document import Document
from engine.dtypes import dtype_tolerance
from engine.lens import Lens
from engine.snippets.codegen import call_code
from engine.trace import CallResult, Run


@dataclass
class CallTarget:
    index: int
    kind: str
    label: str  # "call 2: loss.backward()"; empty for a one-call program
    output_ids: list[str]
    input_ids: list[str] | None  # autograd.grad: its inputs; backward: None (every leaf)
    asked: list[str] | None  # backward(inputs=...): the leaves it was asked to fill
    seeds: dict[str, torch.Tensor | None]  # the gradient given to each output (None: none)
    done: CallResult | None  # what the run recorded for it (None: no record)
    several: bool
    function: str = ""  # a functional call's torch function (vjp: v and vᵀJ are its own)

    @classmethod
    def of(cls, doc: Document, run: Run, call: int | None) -> CallTarget:
        """Call `call` of `doc`'s program as `run` made it; None: the first backward call."""
        primary = next((i for i, c in enumerate(doc.calls) if c.primary), 0)
        if not doc.outputs():  # nothing marked: a jacobian (or vjp...) call is what there is
            primary = next((i for i, c in enumerate(doc.calls)
                            if c.kind in (JACOBIAN, FUNCTIONAL)), primary)
        index = primary if call is None or not 0 <= call < len(doc.calls) else call
        spec = doc.calls[index]
        done = run.calls[index] if index < len(run.calls) else None
        several = len(doc.calls) > 1
        # headed in the seed panel's words, as the chart's selector and the step list
        label = f"call {index + 1}: {call_code(doc, index)}" if several else ""
        if spec.primary:
            outputs = doc.outputs()
            output_ids, asked = [n.id for n in outputs], doc.options.inputs
            planned = {n.id: _planned_seed(n.seed, n.seed_enabled, run, n.id) for n in outputs}
        else:
            output_ids = list(spec.outputs)
            asked = None if spec.inputs is None else list(spec.inputs)
            per_output = spec.seeds if spec.kind != FUNCTIONAL or spec.function == "vjp" \
                else ()  # jvp, vhp, hvp: v goes with the inputs, not the outputs
            planned = {i: None if v is None else torch.tensor(v)  # a jacobian call: none
                       for i, v in zip(spec.outputs, per_output or [None] * len(spec.outputs),
                                       strict=True)}
        seeds = done.seeds if done is not None and done.seeds else planned
        return cls(index, spec.kind, label, output_ids,
                   asked if spec.kind in (GRAD, JACOBIAN, FUNCTIONAL) else None,
                   None if asked is None else list(asked), seeds, done, several, spec.function)

    def compared_with(self) -> str:
        if not self.several:
            return ".grad of the backward run"
        if self.kind == GRAD:
            return f"what call {self.index + 1}'s autograd.grad returned"
        if self.kind == JACOBIAN:
            return (f"what call {self.index + 1}'s torch.autograd.functional.jacobian "
                    "returned")
        if self.kind == FUNCTIONAL:
            return (f"what call {self.index + 1}'s torch.autograd.functional.{self.function} "
                    "returned")
        return f"call {self.index + 1}'s own share of .grad"

    def expected(self, input_id: str, numel: int, like: torch.Tensor) -> torch.Tensor:
        """What the call produced for one input, flat (`like`: vᵀJ's slice, returned for a
        leaf the call was not asked to fill)."""
        done = self.done
        assert done is not None
        if self.kind == FUNCTIONAL:  # vjp: (f(inputs), vᵀJ), a part per input
            product = done.answer[1]
            parts = product if isinstance(product, tuple) else (product,)
            got = dict(zip(self.input_ids or (), parts, strict=False)).get(input_id)
            return torch.zeros(numel, dtype=like.dtype) if got is None \
                else got.reshape(-1).to(like.dtype)
        if self.kind == GRAD:
            got = done.results.get(input_id)
            return torch.zeros(numel, dtype=like.dtype) if got is None \
                else got.reshape(-1).to(like.dtype)
        if self.asked is not None and input_id not in self.asked:
            return like  # backward(inputs=...) left this leaf alone: nothing to compare
        after, before = done.grads_after.get(input_id), done.grads_before.get(input_id)
        share = torch.zeros(numel, dtype=torch.float64)
        if after is not None:
            share = share + after.reshape(-1).double()
        if before is not None and before.numel() == numel:
            share = share - before.reshape(-1).double()
        return share.to(like.dtype)


def _planned_seed(seed: object, enabled: bool, run: Run,
                  output_id: str) -> torch.Tensor | None:
    """The first backward call's gradient for an output when the run holds none."""
    if output_id in run.seeds:
        return run.seeds[output_id]
    if not enabled:
        return None
    if seed is not None:
        return torch.tensor(seed)
    value = run.values.get(output_id)
    return None if value is None or value.dim() == 0 else torch.ones_like(value)


def compare(target: CallTarget, result: Lens) -> None:
    """Does vᵀJ equal what the call produced? Sets matches, the largest difference and where,
    or a note saying why there is nothing to compare with."""
    assert result.vjp is not None and result.jacobian is not None
    done = target.done
    if done is None or not done.ran:
        result.note = (f"call {target.index + 1} was not run (an earlier call raised), so it "
                       "produced nothing to compare with") if target.several else \
            "the backward call was not run, so there is no .grad to compare with"
        return
    if done.error is not None:
        result.note = (f"call {target.index + 1} raised {done.error.type}, so it left no .grad "
                       "of its own to compare with") if target.several else \
            "the backward run failed, so there is no .grad to compare with"
        return
    vjp = result.vjp
    got = torch.cat([target.expected(i, stop - start, vjp[start:stop])
                     for i, start, stop in result.col_groups])
    diff = (got - vjp).abs()
    same_nan = got.isnan() & vjp.isnan()
    same_inf = (got == vjp) & got.isinf()
    diff = torch.where(same_nan | same_inf, torch.zeros_like(diff), diff)
    diff = torch.nan_to_num(diff, nan=float("inf"))
    # a share is a difference of two recorded .grads: allow for the rounding of the larger
    largest = [float(vjp.abs().nan_to_num(posinf=0.0).max())]
    largest += [float(g.abs().nan_to_num(posinf=0.0).max())
                for g in done.grads_before.values() if g is not None and g.numel()]
    scale = 1.0 + max(largest)
    result.max_difference = float(diff.max()) if diff.numel() else 0.0
    result.worst_column = int(diff.argmax()) if diff.numel() else None
    # a float16 leaf's .grad is rounded to float16 however precise the output: the least
    # precise dtype of the product and of what the call produced sets the tolerance
    produced = [*done.grads_after.values(), *done.results.values()]
    tolerance = max(dtype_tolerance(t.dtype) for t in [vjp, *produced]
                    if t is not None) * scale
    result.matches = result.max_difference <= tolerance
    if not result.matches and not bool(torch.isfinite(result.jacobian).all()):
        # e.g. J = [[-inf], [inf]], v = [1, 1]: the product gives nan, while backward's chain
        # rule met the infinity at a different step. Neither is wrong; there is nothing to check.
        result.matches = None
        result.note = ("J has NaN/Inf entries: vᵀJ as a product (−inf + inf = nan) can differ "
                       "from the backward's chain rule, so the two are not compared")


def compare_jacobian(target: CallTarget, result: Lens) -> None:
    """A jacobian call returned J itself: is it the lens's J (two torch computations, one
    by torch.autograd.functional.jacobian, one by batched autograd.grad)?"""
    assert result.jacobian is not None
    done = target.done
    if done is None or not done.ran or done.error is not None:
        why = "was not run" if done is None or not done.ran else \
            f"raised {done.error.type if done.error else ''}"
        result.note += f"; call {target.index + 1} {why}, so it returned no J to compare with"
        return
    blocks = []
    for out_id, start, stop in result.row_groups:
        row = [done.jacobian[(out_id, in_id)].reshape(stop - start, c_stop - c_start)
               for in_id, c_start, c_stop in result.col_groups]
        blocks.append(torch.cat(row, dim=1))
    got = torch.cat(blocks).to(result.jacobian.dtype)
    diff = (got - result.jacobian).abs()
    same = (got == result.jacobian) | (got.isnan() & result.jacobian.isnan())
    diff = torch.nan_to_num(torch.where(same, torch.zeros_like(diff), diff), nan=float("inf"))
    result.max_difference = float(diff.max()) if diff.numel() else 0.0
    flat = int(diff.argmax()) if diff.numel() else None
    result.worst_column = None if flat is None else flat % diff.shape[1]
    scale = 1.0 + float(result.jacobian.abs().nan_to_num(posinf=0.0, neginf=0.0).max()) \
        if result.jacobian.numel() else 1.0
    tolerance = max(dtype_tolerance(t.dtype) for t in [result.jacobian,
                                                       *done.jacobian.values()]) * scale
    result.matches = result.max_difference <= tolerance
