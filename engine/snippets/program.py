"""The calls a snippet makes after building its graph, read into the document's program
(engine/calls.py): a second backward, `x.grad.zero_()`, `x.grad = None`,
`torch.autograd.grad(...)`, `model.zero_grad()`, in the order the snippet makes them.

The graph is one forward graph and the calls run on it in order, as the script runs them:
the calls never change a tensor's value, so building every node first and calling afterwards
gives what the script gives, torch's errors included (a second backward through freed
buffers raises at that call). What stays outside is a training step: a statement that uses a
`.grad` (or what `autograd.grad` returned) in a later computation. Statements that only report
on a `.grad` (a print, a bare display line, an `if x.grad is None: print(...)`) are skipped.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import torch

from engine import calls
from engine.calls import Call
from engine.document import Document
from engine.limits import CALLS
from engine.ops import LEAF
from engine.snippets.grad_answers import GradAnswer, GradAnswers
from engine.snippets.grad_asserts import checked_asserts
from engine.snippets.grad_reads import (
    copies_grad,
    grad_holder,
    kept_alias,
    only_reads,
    only_reports,
    plain_names,
    zeroes,
)
from engine.snippets.module_kinds import parameters_of
from engine.snippets.pyexpr import AfterBackward
from engine.snippets.safety import error_at, raised_at, short_text
from engine.snippets.values import Function, Module, Pending, Py, Ref, Value

JACOBIAN_ANSWER = "torch.autograd.functional.jacobian"
# What a refused training step is told Gradflow shows instead.
SHOWN_INSTEAD = ("Gradflow runs the calls on one forward graph and shows every leaf's .grad "
                 "after each backward: remove the update (and the loop around it) to see them")
TRAINING_STEP = ("uses a .grad in a later computation, as a training loop does to update "
                 "weights (a training step), outside the computation Gradflow reads; "
                 f"{SHOWN_INSTEAD}")
_REPORTING = (ast.Expr, ast.If, ast.Assert, ast.Pass)


class ProgramReader(GradAnswers):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.program: list[Call] = []  # in the snippet's order; PRIMARY is the first backward
        self.given_by_hand: set[str] = set()  # leaves given a .grad by hand since the step
        # what each name meant when each call was read: the script stops at a call that
        # raises, and its names are the ones it had there
        self.names_at_call: list[dict[str, Value]] = []
        # `assert` statements on a .grad: (statement, calls made before it, names there)
        self.grad_asserts: list[tuple[ast.Assert, int, dict[str, Value]]] = []

    # ---- the program ------------------------------------------------------------------
    def add_call(self, call: Call, where: ast.AST) -> None:
        if self.room_needed():
            self.make_room(where)
        number = self.attempt_call(where)  # raises torch's error where a trial run found one
        last = self.program[-1] if self.program else None
        if (call.kind == calls.ZERO_GRAD and last is not None and last.kind == calls.ZERO_GRAD
                and last.set_to_none == call.set_to_none and last.leaves is not None
                and call.leaves is not None):
            # `a.grad.zero_(); b.grad.zero_()` is one call on a and b: torch does the same
            self.program[-1] = calls.zero_grad([*last.leaves, *call.leaves],
                                               set_to_none=call.set_to_none)
            self.names_at_call[-1] = dict(self.env)
            return
        if CALLS.exceeded(len(self.program) + 1):
            raise error_at(where, f"this call goes {CALLS.message()}; make fewer calls")
        self.note_guarded(len(self.program), number, where)
        self.program.append(call)
        self.names_at_call.append(dict(self.env))

    def room_needed(self) -> bool:
        """Whether the program is full: one more call would pass the limit (with the
        document's own backward, which final_program adds when the snippet made none)."""
        return CALLS.exceeded(len(self.program) + 1 + (calls.PRIMARY not in self.program))

    def make_room(self, where: ast.AST) -> None:
        """training.py: the calls so far are read as a step that ran while reading."""

    def check_grad_asserts(self, doc: Document | None = None) -> None:
        """`assert torch.allclose(x.grad, 2 * x)` after a backward: the grads are known only
        once the document runs, so each assert is checked then, on the .grad values and the
        names the script had at its line. One that fails stops the plain script there: the
        calls after it are dropped and Python's AssertionError is raised at its line.
        `doc`: a copy with the program so far, when a training step comes (training.py)."""
        # taken: reading an assert's .grad may ask whether a step comes (training.py)
        asserts, self.grad_asserts = self.grad_asserts, []
        checked_asserts(self, asserts, doc)

    def names_where_the_script_stops(self) -> None:
        """A call that raises stops the plain script there, so its leaves are known by the
        names they had at that call (a later cell's `x` never exists). Only when some leaf's
        name changes after a call does the importer need a trial run to find that call."""
        def leaf_names(env: Mapping[str, Value]) -> dict[str, str]:
            return {name: str(v.node_id) for name, v in env.items() if isinstance(v, Pending | Ref)
                    and v.node_id in self.doc.graph and self.doc.node(str(v.node_id)).op == LEAF}

        final = leaf_names(self.env)
        if all(leaf_names(names) == final for names in self.names_at_call):
            return
        from engine.run import run  # only here: reading a snippet needs no run otherwise

        error = run(self.doc).error
        if error is not None and error.call is not None and \
                error.call < len(self.names_at_call):
            self.final_leaf_names(self.names_at_call[error.call])

    def final_leaf_names(self, env: Mapping[str, Value] | None = None) -> None:
        raise NotImplementedError  # reader.py

    def calls_made(self) -> int:
        return len(self.program)

    def final_program(self) -> list[Call] | None:
        """The program to give the document, or None when it is the default [PRIMARY]."""
        program = list(self.program)
        if calls.PRIMARY not in program:
            program.append(calls.PRIMARY)
        return None if program == [calls.PRIMARY] else program

    # ---- statements that reset .grad --------------------------------------------------
    def expression_statement(self, node: ast.expr) -> None:
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr.endswith("_") and grad_holder(node.func.value) is None \
                and isinstance(node.func.value, ast.Attribute) and node.func.value.attr == "data":
            raise error_at(node, f"{short_text(node)} changes .data in place: that is a training "
                                 "step, outside the computation Gradflow reads")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and zeroes(node):
            holder = grad_holder(node.func.value)
            if holder is not None:
                # `x.grad.data.zero_()` with no grad fails at .data, as torch words it
                missing = "data" if isinstance(node.func.value, ast.Attribute) \
                    and node.func.value.attr == "data" else node.func.attr
                self.zero_grad_of(holder, node, set_to_none=False, missing=missing)
                return
        super().expression_statement(node)

    def zero_grad_of(self, holder: ast.expr, where: ast.AST, *, set_to_none: bool,
                     missing: str = "zero_") -> None:
        leaf = self.leaf_id(self.expr(holder), holder)
        if missing == "data" and not self.backward_seen and not self.given_grad(leaf):
            leaf = None  # before any backward .grad is None: torch fails at .data already
        if leaf is None:  # .grad of a non-leaf or of a tensor without grad is None
            if set_to_none:
                return
            raise raised_at(where, AttributeError(
                f"'NoneType' object has no attribute '{missing}'"))
        self.add_call(calls.zero_grad([leaf], set_to_none=set_to_none), where)

    def leaf_id(self, value: Value, where: ast.AST) -> str | None:
        """The node id of a leaf that requires grad, or None for any other tensor."""
        if not isinstance(value, Pending | Ref):
            raise error_at(where, f"{short_text(where)} is not a tensor; .grad belongs to tensors")
        node_id = self.node_of(value, where)
        node = self.doc.node(node_id)
        return node_id if node.op == LEAF and node.requires_grad else None

    def assign(self, target: ast.expr, value: Value, stmt: ast.AST) -> None:
        if isinstance(target, ast.Attribute) and target.attr == "grad":
            if isinstance(value, Py) and value.value is None:
                if self.backward_seen or self.program:
                    self.zero_grad_of(target.value, stmt, set_to_none=True)
                else:  # before any call: the .grad it was given (grad_given), if any, goes
                    self.starting_grad_dropped(self.leaf_id(self.expr(target.value),
                                                            target.value))
                return
            if not isinstance(value, Pending | Ref):
                kind = type(value.value).__name__
                raise raised_at(stmt, TypeError("assigned grad expected to be a Tensor or None "
                                                f"but got grad of type {kind}"))
            if self.zeros_for(target.value, value, stmt):
                # x.grad = torch.zeros_like(x.grad): the next backward adds to zeros, as
                # after x.grad.zero_()
                self.zero_grad_of(target.value, stmt, set_to_none=False)
                return
            if self.grad_given(target.value, value, stmt):
                return
            raise error_at(stmt, f"{short_text(stmt)}: setting .grad to a tensor other than "
                                 "zeros of its shape is a training step, outside the "
                                 "computation Gradflow reads")
        if isinstance(target, ast.Attribute) and target.attr == "data":
            raise error_at(stmt, f"{short_text(stmt)}: changing .data is a training step (an "
                                 "update of a tensor in place), outside the computation "
                                 "Gradflow reads")
        super().assign(target, value, stmt)

    def grad_given(self, holder: ast.expr, value: Pending | Ref, stmt: ast.AST) -> bool:
        """`p.grad = fake_grads.clone()` with no call since the last step: the leaf starts
        with that .grad (torch checks it first: its shape, its dtype, in its words), which a
        backward adds to. False where it is not read so."""
        leaf = self.leaf_id(self.expr(holder), holder)
        if leaf is None or self.needs_grad(value):
            return False
        numbers = self.concrete(value, stmt).detach().clone()
        stand_in = self.concrete(Ref(leaf), stmt).detach().clone().requires_grad_(True)
        try:
            stand_in.grad = numbers
        except Exception as exc:  # noqa: BLE001 - torch's own words
            raise raised_at(stmt, exc) from None
        if not self.overwritten_calls(leaf):
            return False
        self.starting_grad(leaf, numbers)
        self.given_by_hand.add(leaf)
        return True

    def overwritten_calls(self, leaf: str) -> bool:
        """Whether the calls since the last step leave the leaf's .grad to the assignment
        alone: torch.autograd.grad calls (which write no .grad) and zero_grad calls, whose
        part for this leaf the assignment overrides and is taken out (`g, = grad(loss, w);
        w.grad = g * 2; opt.step()`). A backward since the step: False."""
        if any(c.kind not in (calls.GRAD, calls.ZERO_GRAD) for c in self.program):
            return False
        every = [n.id for n in self.doc.nodes() if n.op == LEAF and n.requires_grad]
        for number, call in enumerate(self.program):
            if call.kind == calls.ZERO_GRAD:
                kept = tuple(i for i in (every if call.leaves is None else call.leaves)
                             if i != leaf)
                self.program[number] = replace(call, leaves=kept)
        return True

    def given_grad(self, leaf: str | None) -> bool:
        """Whether the leaf starts with a .grad given by hand (grad_given)."""
        return leaf is not None and self.doc.node(leaf).grad is not None

    def starting_grad_dropped(self, leaf: str | None) -> None:
        if leaf is not None and self.given_grad(leaf):
            self.starting_grad(leaf, None)

    def starting_grad(self, leaf: str, grad: torch.Tensor | None) -> None:
        """The .grad the leaf starts with, before any call (None: none)."""
        self.doc.update_node(leaf, grad=None if grad is None else grad.tolist())
        self.grad_set(leaf)

    def grad_set(self, leaf: str) -> None:
        """The leaf's .grad was given anew: what training.py knew of it is gone."""

    def zeros_for(self, holder: ast.expr, value: Pending | Ref, stmt: ast.AST) -> bool:
        """Whether `value` is a tensor of zeros, without a graph, of the shape and dtype of
        the leaf `holder` names: what .grad holds after zero_()."""
        leaf = self.expr(holder)
        if self.needs_grad(value) or not isinstance(leaf, Pending | Ref) or \
                self.leaf_id(leaf, stmt) is None or not self.program:
            return False
        numbers, own = self.concrete(value, stmt), self.concrete(leaf, stmt)
        return numbers.shape == own.shape and numbers.dtype == own.dtype and \
            not bool(numbers.any())

    def module_zero_grad(self, module: Module, where: ast.AST) -> None:
        """`model.zero_grad()`: .grad = None on every parameter (torch's default)."""
        self.parameters_zero_grad(parameters_of(module), where)

    def parameters_zero_grad(self, params: list[Value], where: ast.AST) -> None:
        """.grad = None on each of these tensors (`model.zero_grad()`, `optimizer.zero_grad()`
        with torch 2's default set_to_none=True); before any call every .grad is None."""
        leaves = [self.node_of(p, where) for p in params]
        if not (self.backward_seen or self.program):
            for leaf in leaves:  # before any call only a .grad given by hand is not None
                self.starting_grad_dropped(leaf)
            return
        self.add_call(calls.zero_grad(leaves, set_to_none=True), where)

    def set_leaf_in_place(self, stmt: ast.AugAssign, leaf: Pending | Ref, right: Value) -> None:
        """`x += 1` on a leaf under torch.no_grad() before anything uses it: the leaf starts
        with the new numbers. Once the graph uses it, it is an update step."""
        old = self.concrete(leaf, stmt)
        new = self.concrete(self.binop(stmt.op, leaf, right, stmt), stmt)
        try:
            old = old.clone().copy_(new)  # torch's broadcasting and casting for an in-place op
        except RuntimeError as exc:
            raise raised_at(stmt, exc) from None
        self.set_leaf_numbers(stmt, leaf, old, ast.unparse(stmt.target))

    def set_leaf_numbers(self, stmt: ast.AST, leaf: Pending | Ref, numbers: torch.Tensor,
                         name: str) -> None:
        """A leaf changed in place under torch.no_grad() (`x += 1`, `x[0] = 2`): before the
        graph uses it, the leaf simply starts with the new numbers."""
        node_id = self.node_of(leaf, stmt)
        if self.doc.out_edges(node_id) or self.backward_seen:
            raise error_at(stmt, f"updating the leaf {name} in place under torch.no_grad() "
                                 "after the graph used it is a training step, outside the "
                                 f"computation Gradflow reads; {SHOWN_INSTEAD}")
        self.doc.update_node(node_id, value=numbers.tolist())
        self.values.pop(node_id, None)
        if isinstance(leaf, Pending):
            leaf.value = numbers.tolist()

    def statement(self, stmt: ast.stmt) -> None:
        try:
            self.one_statement(stmt)
        except AfterBackward as exc:
            self.reading_grad(stmt, exc)

    def reading_grad(self, stmt: ast.stmt, exc: AfterBackward) -> None:
        """A statement read a .grad (or an autograd.grad answer): a name bound to it may be
        displayed later, a report is skipped, any other use is a training step."""
        what = JACOBIAN_ANSWER if JACOBIAN_ANSWER in exc.reason else "torch.autograd.grad"
        if isinstance(stmt, ast.Assign) and all(plain_names(t) for t in stmt.targets) \
                and only_reads(stmt.value):
            same = self.raw_answer(stmt.value)
            if same is not None:  # `g = grads[0]`: the answer itself, under a new name
                for target in stmt.targets:
                    self.assign(target, same, stmt)
                return
            if copies_grad(stmt.value) and "reads .grad after" in exc.reason and \
                    self.computed_from_grads(stmt):
                return  # `g = x.grad.item()`: numbers no later call changes, read now
            for target in stmt.targets:
                for name in ast.walk(target):
                    if isinstance(name, ast.Name):
                        self.env[name.id] = Py(GradAnswer(len(self.program), what))
            return
        if ("reads .grad after" in exc.reason or "reads what " in exc.reason) and \
                self.computed_from_grads(stmt):
            return  # `n = p.grad.norm()`: a new tensor of the numbers torch gives there
        if self.only_displayed(stmt, JACOBIAN_ANSWER in exc.reason):
            return
        kept = kept_alias(stmt)
        if kept is not None and isinstance(kept.func, ast.Attribute) and \
                kept.func.attr == "append":
            same = self.raw_answer(kept.args[0]) if len(kept.args) == 1 else None
            # an answer of torch.autograd.grad is a tensor of its own, which no later call
            # changes (unlike a .grad): the list keeps it, to compute with later
            self.keep_grad(kept, same.value if same is not None and isinstance(same, Py)
                           else GradAnswer(len(self.program), "a .grad kept in a list"))
            return
        if isinstance(stmt, ast.Assert) and only_reports(stmt):
            self.grad_asserts.append((stmt, len(self.program), dict(self.env)))
            return  # checked once the run knows the grads (check_grad_asserts)
        if isinstance(stmt, _REPORTING) and only_reports(stmt):
            return
        if isinstance(stmt, ast.Return) and stmt.value is not None and only_reads(stmt.value):
            self.return_value(Py(GradAnswer(len(self.program), what)))  # return x.grad
        if isinstance(stmt, ast.Return) and isinstance(stmt.value, ast.Tuple):
            items = [self.returned_item(e, what) for e in stmt.value.elts]
            if all(i is not None for i in items):  # return loss.item(), w.grad
                self.return_value(Py(tuple(items)))
        if JACOBIAN_ANSWER in exc.reason:
            raise error_at(stmt, f"{short_text(stmt)} computes with what {JACOBIAN_ANSWER} "
                                 "returned: Gradflow shows that J in the Jacobian lens but "
                                 "does not compute with it") from exc
        inline = any(isinstance(c, ast.Call) and self.module_path(c.func) == "torch.autograd.grad"
                     for c in ast.walk(stmt))  # torch.autograd.grad(y, x)[0] * 2
        if (isinstance(stmt, ast.Return) or inline) and \
                "reads what torch.autograd.grad" in exc.reason:
            raise error_at(stmt, f"{short_text(stmt)} computes with what torch.autograd.grad "
                                 "returned, outside the computation Gradflow reads (one "
                                 "forward graph and the calls on it): it shows each call's "
                                 "answer but does not compute with it; for a Jacobian built "
                                 "row by row, "
                                 "torch.autograd.functional.jacobian gives it whole and the "
                                 "Jacobian lens shows it") from exc
        self.training_step(stmt, exc)

    def returned_item(self, item: ast.expr, what: str) -> Value | None:
        """One item of `return loss.item(), w.grad`: a .grad (or an answer) it only reads is
        held to be displayed, as `return w.grad` is; any other item as it computes; None
        when it computes with one."""
        try:
            return self.expr(item)
        except AfterBackward:
            return Py(GradAnswer(len(self.program), what)) if only_reads(item) else None

    def keep_grad(self, call: ast.Call, answer: GradAnswer) -> None:
        """`rows.append(x.grad)`: the list keeps the .grad itself, which later calls change
        in place; it holds it to be displayed, and a computation with it is refused."""
        held = call.func.value if isinstance(call.func, ast.Attribute) else None
        # the list by its name, as it is (GradAnswers.lookup would read its answers)
        receiver = super(GradAnswers, self).lookup(held) if isinstance(held, ast.Name) else None
        if not (isinstance(receiver, Py) and isinstance(receiver.value, list)):
            raise error_at(call, f"{short_text(call)}: .append of a .grad is read on a list")
        receiver.value.append(Py(answer))

    def computed_from_grads(self, stmt: ast.stmt) -> bool:
        """training.py: a new value computed from .grad, read with the grads of this point."""
        return False

    def training_step(self, stmt: ast.stmt, exc: AfterBackward) -> None:
        """training.py reads the update with the grads torch gives there."""
        raise error_at(stmt, f"{short_text(stmt)} {TRAINING_STEP}") from exc

    def only_displayed(self, stmt: ast.stmt, from_jacobian: bool = False) -> bool:
        """A value computed from a .grad under a new name (`same = torch.isclose(x.grad,
        g).item()`), or a loop that only prints gradients (`for n, g in zip(names, grads):
        print(n, g)`): its names may be displayed later, never computed with (a later use is
        read again here). Rebinding a tensor's name with it is an update step."""
        looks: list[ast.AST]
        if isinstance(stmt, ast.Assign):
            targets, looks = stmt.targets, [stmt.value]
        elif isinstance(stmt, ast.For) and all(isinstance(s, _REPORTING) for s in stmt.body) \
                and not stmt.orelse:
            targets, looks = [stmt.target], [stmt.iter, *stmt.body]
        else:
            return False
        names = [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]
        called = [self.env.get(n.func.id) for node in looks for n in ast.walk(node)
                  if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)]
        calls_own = any(isinstance(f, Py) and isinstance(f.value, Function) for f in called)
        # a def it calls may call backward itself: such a statement is not skipped
        if calls_own or not all(plain_names(t) for t in targets) or any(
                isinstance(self.env.get(name), Pending | Ref) for name in names) or not all(
                only_reports(node) for node in looks):
            return False
        for name in names:
            self.env[name] = Py(GradAnswer(len(self.program), (
                f"a value computed from what {JACOBIAN_ANSWER}" if from_jacobian
                else "a value computed from a .grad")))
        return True


__all__ = ["GradAnswer", "JACOBIAN_ANSWER", "ProgramReader", "TRAINING_STEP"]
