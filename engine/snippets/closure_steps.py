"""`optimizer.step(closure)`, read as torch runs it.

The real torch optimizer the snippet's optimizer stands for (optimizer_steps.py) is handed a
Python callable, and torch decides when and how often to call it: SGD, Adam and the others
once, before their update; LBFGS as often as its iterations and its line search ask
(max_iter, max_eval, line_search_fn='strong_wolfe', tolerance_grad, tolerance_change), with
the weights moved in between. Each call reads the snippet's closure body with the reader, as
a call of a def is read, under torch.enable_grad() as torch's optimizers call it:
- the weights torch moved since the last call are the leaves' new numbers, and the graph of
  that call leaves the document as a finished training step's does (training.py);
- the closure's zero_grad and backward are calls of the document, and the .grad torch reads
  after the call is the one the document's run gives (engine.run, real autograd);
- what it returns is the reader's value: torch gets its numbers, and `optimizer.step`
  returns to the snippet the value of the call torch returns (LBFGS: the first call's loss).
The document shown afterwards is the last call's graph, as for any training loop. Every
statement of every call counts toward the snippet's statement limit (engine/limits.py).
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch

from engine.limits import CALL_DEPTH
from engine.snippets.grad_writes import GradWrites
from engine.snippets.optimizers import Optimizer
from engine.snippets.safety import error_at
from engine.snippets.values import Function, Pending, Py, Ref, Value

# the name under which the values closure calls returned are kept while a step reads them,
# so a finished call's loss becomes numbers as a name's does; no snippet can write it
_HELD = " closure answers"


@dataclass
class _ClosureCalls:
    """One `optimizer.step(closure)` being read: the closure, and what each call returned
    (to the reader and to torch, in call order)."""

    node: ast.Call
    fn: Function
    answers: Py = field(default_factory=lambda: Py([]))
    given: list[Any] = field(default_factory=list)


class ClosureSteps(GradWrites):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.closure_steps: list[_ClosureCalls] = []  # a closure may step another optimizer
        self.closure_reading = 0  # closure bodies being read, one inside the other
        self.closure_calls: dict[int, int] = {}  # line of a step(closure) → calls torch made

    def statement(self, stmt: ast.stmt) -> None:
        """Inside a closure torch calls, each line's tensors are computed as the line is
        read: an error is torch's where Python stops, not where the step needs the loss."""
        if not self.closure_reading:
            super().statement(stmt)
            return
        before = set(self.doc.graph)
        super().statement(stmt)
        for node_id in [n for n in self.doc.graph if n not in before]:
            self.evaluate(node_id, stmt)

    def optimizer_method(self, optimizer: Optimizer, attr: str, node: ast.Call) -> Value:
        depth = len(self.closure_steps)
        try:
            return super().optimizer_method(optimizer, attr, node)
        finally:
            del self.closure_steps[depth:]

    def step_closure(self, optimizer: Optimizer, node: ast.Call) -> Callable[[], Any] | None:
        """`step(closure)`, `step(closure=closure)`: a callable torch calls; `step(None)`
        is `step()`."""
        given = [*node.args, *(k.value for k in node.keywords if k.arg == "closure")]
        if not given:
            return super().step_closure(optimizer, node)
        if len(given) != 1 or any(k.arg != "closure" for k in node.keywords):
            raise error_at(node, f"{ast.unparse(node)}: step is read with one closure, "
                                 "optimizer.step(closure)")
        value = self.expr(given[0])
        if isinstance(value, Py) and value.value is None:
            return None
        if not (isinstance(value, Py) and isinstance(value.value, Function)):
            raise error_at(node, f"{ast.unparse(node)}: the closure is read as a def or "
                                 "lambda of the snippet that returns the loss")
        record = _ClosureCalls(node, value.value)
        self.closure_steps.append(record)

        def closure() -> Any:
            with torch.enable_grad():  # as torch's optimizers call it
                return self.closure_call(optimizer, record)
        return closure

    def closure_call(self, optimizer: Optimizer, record: _ClosureCalls) -> Any:
        """One call torch makes: the closure body read with the weights as torch holds
        them now; torch's tensors get the .grad the document's run gives after it."""
        node, fn = record.node, record.fn
        self.closure_calls[node.lineno] = self.closure_calls.get(node.lineno, 0) + 1
        if CALL_DEPTH.exceeded(self.depth + 1):
            raise error_at(node, f"{fn.name} calls nest {CALL_DEPTH.message()} (recursion?)")
        tensors = self.real_tensors(optimizer, node)
        self.weights_moved(optimizer, tensors, node)
        saved = self.grad_enabled, self.inference
        self.grad_enabled, self.inference = True, False
        self.closure_reading += 1
        try:
            value = self.inline(fn, [], {}, node)
        finally:
            self.grad_enabled, self.inference = saved
            self.closure_reading -= 1
        self.step_grads = None  # the closure's calls changed the grads
        grads = self.grads_here(node)
        for t, param in zip(tensors, optimizer.params, strict=True):
            grad = grads.get(self.node_of(param, node))
            t.grad = None if grad is None else grad.clone()
            with torch.no_grad():  # the closure may change the weights (img.clamp_(0, 1))
                t.copy_(self.concrete(param, node))
        given = self.concrete(value, node)
        if isinstance(given, torch.Tensor):
            given = given.detach().clone()
        record.answers.value.append(value)
        record.given.append(given)
        return given

    def weights_moved(self, optimizer: Optimizer, tensors: list[torch.Tensor],
                      node: ast.Call) -> None:
        """The weights torch changed since the closure's last call (LBFGS between its
        evaluations): the leaves' new numbers, and the last call's graph is a finished
        step."""
        for t, param in zip(tensors, optimizer.params, strict=True):
            if not isinstance(param, Pending | Ref):
                continue
            if not torch.equal(self.concrete(param, node), t.detach()):
                name = self.doc.node(self.node_of(param, node)).name
                self.set_leaf_numbers(node, param, t.detach().clone(), name)
        if self.updates:
            self.next_step(node)

    def keep_as_numbers(self, gone: set[str], line: int, where: ast.AST,
                        updated: set[str]) -> None:
        """What the closure's calls returned is kept as a name's value is: a finished
        call's loss becomes its numbers (LBFGS returns the first call's)."""
        held = {f"{_HELD} {i}": r.answers for i, r in enumerate(self.closure_steps)}
        self.env.update(held)
        try:
            super().keep_as_numbers(gone, line, where, updated)
        finally:
            for name in held:
                self.env.pop(name, None)

    def last_step_shown(self) -> None:
        super().last_step_shown()
        if self.closure_calls and self.update_lines:  # what the training loop's words add
            said = ", ".join(f"{n} time{'s' if n != 1 else ''} at line {line}"
                             for line, n in sorted(self.closure_calls.items()))
            self.doc.description += (f" The optimizer called the closure {said}, each call "
                                     "read as its code with the weights torch had moved to.")

    def step_answer(self, answer: Any, node: ast.Call) -> Value:
        """What `optimizer.step(closure)` returns: the value of the closure call whose
        answer torch returns, as the reader holds it now."""
        record = self.closure_steps[-1] if self.closure_steps else None
        if record is None or record.node is not node or answer is None:
            return super().step_answer(answer, node)
        for given, value in zip(record.given, record.answers.value, strict=True):
            if given is answer:
                return value  # type: ignore[no-any-return]
        return self.wrap(answer, node)


__all__ = ["ClosureSteps"]
