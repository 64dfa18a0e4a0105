"""`w.grad[0] = 0`, `conv.weight.grad.data[mask] = 0`, `w.grad[1][2] = 0` after a backward: a
write into places of the .grad torch gives there (weights frozen one by one, by hand). As a
method called on a .grad is (optimizer_steps.py), the write is torch's item assignment on
that .grad, and the leaf holds the result from here on: the next update reads it, and the
document shows it when no update comes after."""

from __future__ import annotations

import ast

import torch

from engine.snippets.grad_reads import grad_holder
from engine.snippets.optimizer_steps import OptimizerSteps
from engine.snippets.pyexpr import AfterBackward
from engine.snippets.safety import error_at, raised_at, short_text


class GradItemWrites(OptimizerSteps):
    def training_step(self, stmt: ast.stmt, exc: AfterBackward) -> None:
        written = _written_grad(stmt)
        if written is None:
            super().training_step(stmt, exc)
            return
        holder, slices = written
        refusal = self.not_trainable(stmt)
        if refusal is not None:
            raise error_at(stmt, f"{short_text(stmt)} {refusal}") from exc
        assert isinstance(stmt, ast.Assign)
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
            raise raised_at(stmt.targets[0], TypeError(
                "'NoneType' object is not subscriptable" if len(keys) > 1 else
                "'NoneType' object does not support item assignment"))
        changed = grad.clone()
        try:
            places = changed
            for key in keys[:-1]:  # w.grad[1][2]: a view of a view, written through
                places = places[key]
            places[keys[-1]] = value
        except Exception as exc_:  # noqa: BLE001 - torch's own words
            raise raised_at(stmt, exc_) from None
        assert leaf is not None
        if not torch.equal(changed, grad):
            self.grad_updates[leaf] = changed
        self.clipped_at = stmt


def _written_grad(stmt: ast.stmt) -> tuple[ast.expr, list[ast.expr]] | None:
    """(x, the places from the outermost in) of `x.grad[...] = v` or `x.grad.data[...][...]
    = v`, else None."""
    if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and
            isinstance(stmt.targets[0], ast.Subscript)):
        return None
    slices: list[ast.expr] = []
    node: ast.expr = stmt.targets[0]
    while isinstance(node, ast.Subscript):
        slices.append(node.slice)
        node = node.value
    holder = grad_holder(node)
    return None if holder is None else (holder, slices[::-1])


__all__ = ["GradItemWrites"]
