"""What torch.autograd.grad returned, as the snippet holds it: a GradAnswer per input until
a statement computes with it, then the tensors torch gives there (no graph: the call was
made without create_graph), from the run of the step read so far (training.py runs it).
A list keeps its answers in place as they become numbers (`grads.append(g)` goes on)."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

import torch

from engine.calls import Call
from engine.snippets.caught import CaughtCalls
from engine.snippets.expressions import TRANSFORM_GRAPH
from engine.snippets.pyexpr import AfterBackward
from engine.snippets.values import Py, Ref, Value


@dataclass(frozen=True)
class GradAnswer:
    """What `torch.autograd.grad` (or `what`) returned, bound to a name: displayed as it
    is; a computation with one that names its input reads its numbers (GradAnswers)."""

    call_number: int
    what: str = "torch.autograd.grad"
    # torch.autograd.grad's answer for one input (its node id), in the training step it was
    # read in: once the run knows it, a computation with it reads its numbers (training.py)
    input_id: str | None = None
    step: int = 0
    # a jacobian's block (output id, input id), or the place in what torch.autograd.functional
    # returned ((1, 0): the product's first tensor): where the run's numbers are
    part: tuple[Any, ...] | None = None

    def key(self) -> Any:
        """Where this answer's numbers are among its call's (training.py's step answers)."""
        return self.input_id if self.part is None else self.part


class GradAnswers(CaughtCalls):
    program: list[Call]  # the calls read so far (program.py)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # call number → input id → what that torch.autograd.grad call returned, while a
        # statement is read with the numbers of the run (training.py)
        self.known_answers: dict[int, dict[Any, torch.Tensor | None]] | None = None

    def lookup(self, node: ast.Name) -> Value:
        value = super().lookup(node)
        if holds_answer(value):
            return self.answer_numbers(value, node)
        return value

    def binop(self, op_node: ast.operator, left: Value, right: Value, where: ast.AST) -> Value:
        """`torch.autograd.grad(y, x)[0] * 2`: the answer used with no name in between is
        read as `g = ...[0]; g * 2` is (not handed to Python's `*`)."""
        left, right = (self.answer_numbers(v, where) if holds_answer(v) else v
                       for v in (left, right))
        return super().binop(op_node, left, right, where)

    def subscript_of(self, base: Value, node: ast.Subscript) -> Value:
        """`torch.autograd.grad(y, x)[0][1]`: the answer indexed with no name in between is
        read as `g = ...[0]; g[1]` is, on the tensor torch returned (a tuple of answers is
        indexed as it is, so `grads[0]` stays the answer itself)."""
        if isinstance(base, Py) and isinstance(base.value, GradAnswer):
            base = self.answer_numbers(base, node)
        return super().subscript_of(base, node)

    def method(self, receiver: Value, attr: str, node: ast.Call) -> Value:
        """`torch.autograd.grad(y, x)[0].sum()`: a method of the answer, on its numbers."""
        if isinstance(receiver, Py) and isinstance(receiver.value, GradAnswer):
            receiver = self.answer_numbers(receiver, node)
        return super().method(receiver, attr, node)

    def item_assign(self, target: ast.Subscript, value: Value, stmt: ast.AST) -> None:
        """`J[:, i] = torch.autograd.grad(z, x, v)[0]`: the tensor torch returned, written."""
        if holds_answer(value):
            value = self.answer_numbers(value, stmt)
        super().item_assign(target, value, stmt)

    def value_call(self, fn: Any, what: str, node: ast.Call, receiver: Value | None = None,
                   evaluated: tuple[list[Value], dict[str, Value]] | None = None) -> Value:
        """`torch.stack([torch.autograd.grad(g, x, v)[0] for v in eye])`: the answers a torch
        function computes with are the tensors torch returned, as a name's are."""
        args, kwargs = evaluated if evaluated is not None else self.arguments(node)
        args = [self.answer_numbers(a, node) if holds_answer(a) else a for a in args]
        kwargs = {k: self.answer_numbers(v, node) if holds_answer(v) else v
                  for k, v in kwargs.items()}
        return super().value_call(fn, what, node, receiver, (args, kwargs))

    def answer_numbers(self, value: Value, where: ast.AST) -> Value:
        """What torch.autograd.grad returned, as the tensors torch gives (no graph: it was
        called without create_graph), from the run of this step (known_answers, or
        answers_here); where the run cannot tell (an answer of an earlier step, a kept .grad),
        AfterBackward, as before."""
        if isinstance(value, Py) and isinstance(value.value, tuple | list):
            items = [self.answer_numbers(v, where) if holds_answer(v) else v
                     for v in value.value]
            if isinstance(value.value, list):  # the same list (`grads.append` goes on)
                value.value[:] = items
                return value
            return Py(tuple(items))
        answer = value.value if isinstance(value, Py) else None
        answers = self.known_answers if self.known_answers is not None else \
            self.answers_here(where)
        known = answers.get(answer.call_number) if isinstance(answer, GradAnswer) and \
            answers is not None and answer.step == self.answer_step() else None
        if known is None or answer is None or answer.key() not in known:
            raise AfterBackward(f"reads what {answer_of(value)} returned",
                                getattr(where, "lineno", 1),
                                getattr(where, "col_offset", 0) + 1)
        numbers = known[answer.key()]
        if numbers is None:
            return Py(None)
        made = self.from_tensor(numbers.clone(), where)
        if answer.what.startswith("torch.func") and self.answer_has_graph(answer):
            made.no_graph = (f"what {answer.what} returned {TRANSFORM_GRAPH}, which Gradflow "
                             "does not read: it computes with its numbers only; take it out "
                             "of the graph (.detach()) or differentiate with "
                             "torch.autograd.grad(..., create_graph=True)")
        return made

    def answer_has_graph(self, answer: GradAnswer) -> bool:
        """Whether torch's answer of a torch.func transform has a graph: a tensor its f
        computes with requires grad (the transform gives its answer that tensor's graph)."""
        call = self.program[answer.call_number - 1]
        # through nodes that carry a gradient only: a .detach() (of a model's parameters,
        # given to functional_call) passes none on
        stack, seen = list(call.outputs), set(call.outputs)
        while stack:
            node_id = stack.pop()
            if self.is_grad_leaf(Ref(node_id)):
                return True
            if node_id in call.outputs or self.node_needs_grad(node_id):
                fresh = set(self.doc.graph.predecessors(node_id)) - seen
                seen |= fresh
                stack.extend(fresh)
        return False

    def answer_step(self) -> int:
        """The training step being read (training.py counts them)."""
        return 0

    def answers_here(self, where: ast.AST) -> dict[int, dict[Any, torch.Tensor | None]] | None:
        """What this step's torch.autograd.grad calls returned, from a run of the document
        built so far (training.py), or None where it cannot be read here."""
        return None

    def raw_answer(self, node: ast.expr) -> Value | None:
        """`g` or `grads[0]` when it names what torch.autograd.grad returned (not a value
        computed from it), as it is; None otherwise."""
        base = node.value if isinstance(node, ast.Subscript) else node
        if not isinstance(base, ast.Name) or base.id not in self.env:
            return None
        value = self.env[base.id]
        if isinstance(node, ast.Subscript):
            index = node.slice
            if not (isinstance(value, Py) and isinstance(value.value, tuple | list) and
                    isinstance(index, ast.Constant) and isinstance(index.value, int) and
                    -len(value.value) <= index.value < len(value.value)):
                return None
            value = value.value[index.value]
        inner = value.value if isinstance(value, Py) else None
        return value if isinstance(inner, GradAnswer) and inner.input_id is not None else None


def holds_answer(value: Value) -> bool:
    """What autograd.grad returned, or a list or tuple holding one of its answers."""
    if isinstance(value, Py) and isinstance(value.value, tuple | list):
        return any(holds_answer(v) for v in value.value)
    return isinstance(value, Py) and isinstance(value.value, GradAnswer)


def answer_of(value: Value) -> str:
    """Which call returned an answer (`holds_answer(value)` is true)."""
    inner = value.value if isinstance(value, Py) else None
    if isinstance(inner, tuple | list):
        return next((answer_of(v) for v in inner if holds_answer(v)), "torch.autograd.grad")
    return inner.what if isinstance(inner, GradAnswer) else "torch.autograd.grad"


__all__ = ["GradAnswer", "GradAnswers", "answer_of", "holds_answer"]
