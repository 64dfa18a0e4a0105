"""What `torch.autograd.functional.vjp / jvp / vhp / hvp / hessian(f, inputs[, v])` returns,
f being the document's graph from the call's input nodes to its output nodes (as for the
jacobian call, engine/pure_forward.py): torch's own function is called on copies of the
inputs, so its rules, its answer and its errors are torch's, and no `.grad` changes.

The answer is nested as torch nests it: vjp, jvp, vhp and hvp give (f(inputs), product),
each a tensor or a tuple as f's outputs / the inputs are; hessian gives H, a tensor for one
input, a tuple of tuples (per input, per input) for a tuple of inputs."""

from __future__ import annotations

from typing import Any

import torch

from engine.calls import Call, vectors_per
from engine.document import Document
from engine.format import preview
from engine.limits import ANSWER_ENTRIES
from engine.pure_forward import PureForward


def functional_answer(doc: Document, call: Call, values: list[torch.Tensor],
                      outputs: list[torch.Tensor]) -> Any:
    """torch.autograd.functional.<call.function>(f, inputs[, v]) at `values` (the inputs'
    numbers); `outputs` are f's outputs as the run computed them (v takes an output's dtype
    for vjp, an input's for the others, as a tensor made there by the snippet would be)."""
    fwd = PureForward(doc, list(call.inputs or ()), list(call.outputs))

    def f(*inputs: torch.Tensor) -> torch.Tensor | tuple[torch.Tensor, ...]:
        got = fwd(*inputs)
        return got if call.tuple_outputs else got[0]

    given = tuple(values) if call.tuple_inputs else values[0]
    function = getattr(torch.autograd.functional, call.function)
    if call.function == "hessian":
        return _detached(function(f, given))
    like = outputs if call.function == "vjp" else values
    vectors = [None if v is None else torch.tensor(v, dtype=t.dtype)
               for v, t in zip(call.seeds, like, strict=True)]
    per_tuple = call.tuple_outputs if call.function == "vjp" else call.tuple_inputs
    v = None if all(x is None for x in vectors) else (
        tuple(vectors) if per_tuple else vectors[0])
    assert len(vectors) == len(vectors_per(call))
    return _detached(function(f, given, v))


def _detached(answer: Any) -> Any:
    if isinstance(answer, tuple):
        return tuple(_detached(a) for a in answer)
    return answer.detach() if isinstance(answer, torch.Tensor) else answer


def nested_lists(answer: Any) -> Any:
    """The answer as JSON lists: a tensor's tolist(), a tuple's items in a list."""
    if isinstance(answer, tuple):
        return [nested_lists(a) for a in answer]
    return answer.tolist() if isinstance(answer, torch.Tensor) else answer


def flat_tensors(answer: Any) -> list[torch.Tensor]:
    """Every tensor of the answer, in order (for a preview or a check)."""
    if isinstance(answer, tuple):
        return [t for a in answer for t in flat_tensors(a)]
    return [answer] if isinstance(answer, torch.Tensor) else []


# what the second part of each answer is, in the words of its docs
PRODUCT = {"vjp": "vᵀJ", "jvp": "Jv", "vhp": "vᵀH", "hvp": "Hv"}


def answer_text(function: str, answer: Any) -> str:
    """One line for what the call returned: `(f(x) = [..], vᵀJ = [..])`, `H = [..]`."""
    def shown(part: Any) -> str:
        if isinstance(part, tuple):
            return "(" + ", ".join(shown(p) for p in part) + ("," if len(part) == 1 else "") \
                + ")"
        return preview(part) if isinstance(part, torch.Tensor) else str(part)

    if function == "hessian" or not isinstance(answer, tuple) or len(answer) != 2:
        return f"H = {shown(answer)}"
    return f"(f(inputs) = {shown(answer[0])}, {PRODUCT[function]} = {shown(answer[1])})"


def too_large(function: str, output_numel: int, input_numel: int) -> str | None:
    """Why a jacobian or hessian call is refused before torch computes it (J has an entry
    per output and input element, H per pair of input elements), or None."""
    entries = input_numel * (input_numel if function == "hessian" else output_numel)
    if function not in ("jacobian", "hessian") or not ANSWER_ENTRIES.exceeded(entries):
        return None
    return (f"torch.autograd.functional.{function} would return {entries:,} entries: "
            f"{ANSWER_ENTRIES.message()}")
