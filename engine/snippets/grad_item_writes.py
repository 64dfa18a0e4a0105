"""Writes into a .grad after a backward: `w.grad[0] = 0`, `conv.weight.grad.data[mask] = 0`,
`w.grad[1][2] = 0` (weights frozen one by one, by hand), `a.grad /= len(X)`, `w.grad[0] +=
1`. As a method called on a .grad is (optimizer_steps.py), the write is torch's own on the
.grad torch gives there (item assignment, or the in-place operator), and the leaf holds the
result from here on: the next update reads it, and the document shows it when no update
comes after."""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable
from typing import Any

import torch

from engine.snippets.grad_reads import grad_holder
from engine.snippets.optimizer_steps import OptimizerSteps
from engine.snippets.pyexpr import AfterBackward
from engine.snippets.safety import error_at, raised_at, short_text

# Python's in-place operators, as a tensor's __iadd__... (in place) and a number's
_IN_PLACE: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.iadd, ast.Sub: operator.isub, ast.Mult: operator.imul,
    ast.Div: operator.itruediv, ast.Pow: operator.ipow, ast.FloorDiv: operator.ifloordiv}
_SYMBOLS = {ast.Add: "+=", ast.Sub: "-=", ast.Mult: "*=", ast.Div: "/=", ast.Pow: "**=",
            ast.FloorDiv: "//="}


class GradItemWrites(OptimizerSteps):
    def training_step(self, stmt: ast.stmt, exc: AfterBackward) -> None:
        written = _written_grad(stmt)
        if written is None:
            super().training_step(stmt, exc)
            return
        self.grad_written(stmt, *written)

    def aug_assign(self, stmt: ast.AugAssign) -> None:
        written = _written_grad(stmt)
        if written is None or written[1] or type(stmt.op) not in _IN_PLACE:
            super().aug_assign(stmt)
            return
        self.grad_written(stmt, *written)  # a.grad /= n: the .grad itself, in place

    def grad_written(self, stmt: ast.stmt, holder: ast.expr, slices: list[ast.expr]) -> None:
        refusal = self.not_trainable(stmt)
        if refusal is not None:
            raise error_at(stmt, f"{short_text(stmt)} {refusal}")
        assert isinstance(stmt, ast.Assign | ast.AugAssign)
        grads = self.grads_here(stmt)
        self.known_grads, self.known_answers = grads, self.step_answers
        try:  # Python's order: the value, then the tensor written and its places
            value = self.plain_or_tensor(self.expr(stmt.value), stmt)
            leaf = self.leaf_id(self.expr(holder), holder)
            keys = [self.index_key(s) for s in slices]
        finally:
            self.known_grads = self.known_answers = None
        grad = grads.get(leaf) if leaf is not None else None
        if grad is None:  # torch's .grad is None here: Python's TypeError
            raise raised_at(stmt, _none_error(stmt, value, len(keys)))
        changed = grad.clone()
        try:
            if isinstance(stmt, ast.AugAssign) and not keys:
                _IN_PLACE[type(stmt.op)](changed, value)
            else:
                places = changed
                for key in keys[:-1]:  # w.grad[1][2]: a view of a view, written through
                    places = places[key]
                if isinstance(stmt, ast.AugAssign):  # get, update in place, set back
                    value = _IN_PLACE[type(stmt.op)](places[keys[-1]], value)
                places[keys[-1]] = value
        except Exception as exc:  # noqa: BLE001 - torch's own words
            raise raised_at(stmt, exc) from None
        assert leaf is not None
        if not torch.equal(changed, grad):
            self.grad_updates[leaf] = changed
        self.clipped_at = stmt


def _none_error(stmt: ast.stmt, value: Any, keys: int) -> TypeError:
    """Python's words for writing into a .grad that is None."""
    if keys > 1 or keys and isinstance(stmt, ast.AugAssign):
        return TypeError("'NoneType' object is not subscriptable")
    if keys:
        return TypeError("'NoneType' object does not support item assignment")
    assert isinstance(stmt, ast.AugAssign)
    other = "Tensor" if isinstance(value, torch.Tensor) else type(value).__name__
    return TypeError(f"unsupported operand type(s) for {_SYMBOLS[type(stmt.op)]}: "
                     f"'NoneType' and '{other}'")


def _written_grad(stmt: ast.stmt) -> tuple[ast.expr, list[ast.expr]] | None:
    """(x, the places from the outermost in) of `x.grad[...] = v`, `x.grad.data[...][...]
    = v`, `x.grad /= v` or `x.grad[...] += v`, else None."""
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and \
            isinstance(stmt.targets[0], ast.Subscript):
        target: ast.expr = stmt.targets[0]
    elif isinstance(stmt, ast.AugAssign):
        target = stmt.target
    else:
        return None
    slices: list[ast.expr] = []
    while isinstance(target, ast.Subscript):
        slices.append(target.slice)
        target = target.value
    holder = grad_holder(target)
    return None if holder is None else (holder, slices[::-1])


__all__ = ["GradItemWrites"]
