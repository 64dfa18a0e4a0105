"""A call torch refuses inside `try: ... except RuntimeError as e: print(e)`: the plain script
prints torch's message and goes on, so the document's program leaves that call out.

Whether a backward raises is known only once the calls run (a second backward through freed
buffers, a non-scalar output without a gradient), so the importer reads the snippet, runs the
program on trial, and when a call inside a `try` raised an error one of its handlers catches,
reads the snippet again with torch's error raised at that call: the try statement then takes
its handler as Python does (blocks.py), binding `e` to torch's own text, and the calls after it
in the try body never happen. A caught call with no call after it stays in the program, so the
document shows torch's error where it arose (the .grads are the same either way). Only a call
that raised before changing any .grad is left out this way (a backward that failed half-way
has already accumulated part of its gradients).
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import torch

from engine.snippets.blocks import caught_half_way
from engine.snippets.safety import TorchRaised
from engine.snippets.view_writes import ViewWrites


@dataclass(frozen=True)
class Caught:
    """torch's error at one call of the snippet (numbered in the order the script makes them),
    found by a trial run."""

    error_type: str
    message: str


class CaughtCalls(ViewWrites):
    def __init__(self, *args: Any, caught: dict[int, Caught] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.caught = dict(caught or {})
        self.attempts = 0  # calls the script has made so far, caught ones included
        self.guarded: dict[int, tuple[int, ast.Try, ast.AST]] = {}  # program index ->
        # (call number, innermost try around it, the call's node)

    def attempt_call(self, where: ast.AST) -> int:
        """The next call's number; raises torch's error there when a trial run found it."""
        number = self.attempts
        self.attempts += 1
        known = self.caught.get(number)
        if known is not None:
            raise TorchRaised(known.error_type, known.message, getattr(where, "lineno", 1),
                              getattr(where, "col_offset", 0) + 1)
        return number

    def note_guarded(self, index: int, number: int, where: ast.AST) -> None:
        if self.open_tries:
            self.guarded[index] = (number, self.open_tries[-1], where)

    def newly_caught(self) -> tuple[int, Caught] | None:
        """The first call of the program that raised inside a try whose handler catches it,
        as (its number, torch's error), or None."""
        if not self.guarded:
            return None
        from engine.run import run  # only here: reading a snippet needs no run otherwise

        result = run(self.doc)
        error = result.error
        if error is None or error.call is None or error.call not in self.guarded:
            return None
        number, stmt, where = self.guarded[error.call]
        if self.handler_for(stmt, error.type) is None:
            return None  # not caught: the script stops there with torch's error
        done = result.calls[error.call]
        if not _same_grads(done.grads_before, done.grads_after):
            raise caught_half_way(getattr(where, "lineno", 1),
                                  getattr(where, "col_offset", 0) + 1, error.type, error.message)
        return number, Caught(error.type, error.message)


def _same_grads(before: Mapping[str, torch.Tensor | None],
                after: Mapping[str, torch.Tensor | None]) -> bool:
    def same(a: torch.Tensor | None, b: torch.Tensor | None) -> bool:
        return a is b or (a is not None and b is not None and torch.equal(a, b))
    return before.keys() == after.keys() and all(same(before[k], after[k]) for k in before)


__all__ = ["Caught", "CaughtCalls"]
