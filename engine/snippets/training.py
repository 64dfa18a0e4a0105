"""Training steps: a snippet that updates its weights from their .grad and goes on.

`with torch.no_grad(): w -= lr * w.grad`, `w.data.sub_(lr * w.grad)`, `optimizer.step()`
(optimizer_steps.py):
the update needs the .grad torch computed, so the reader runs the document built so far
(engine.run, real torch) where the update stands, and computes the new weights with torch
from those grads, as the script does. Then the step is over: the graph of that step leaves
the document (what the script computed from the old weights becomes plain numbers, kept for
display; what it still holds and torch lets it use stays: kept_graphs.py), each leaf starts
the next step with its new numbers and with the .grad it holds (Node.grad), and the calls
start afresh. The document the reader gives is the last step that called backward, with the
calls after it that only reset .grad: every earlier step ran with torch while the snippet
was read, and its description says so.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

import networkx as nx
import torch

from engine import calls
from engine.calls import Call
from engine.document import Document
from engine.document_types import UnknownNodeError
from engine.limits import CALLS
from engine.snippets.data_updates import DataUpdates
from engine.snippets.grad_reads import (
    holds_a_grad,
    reads_grad_only_as_seed,
    writes_before_grad_read,
)
from engine.snippets.held import plain_read
from engine.snippets.program import TRAINING_STEP
from engine.snippets.pyexpr import AfterBackward
from engine.snippets.safety import ImportError_, TorchRaised, error_at, short_text
from engine.snippets.step_results import call_answers, retained_grads
from engine.snippets.values import Pending, Ref, Value


@dataclass
class _Step:
    """A step that called backward, as it stood right before the update that ended it."""

    doc: Document
    program: list[Call]
    backward: Any
    names_at_call: list[dict[str, Value]]
    update_line: int
    clipped: bool = False  # its .grad was clipped after its backward: no call shows that


@dataclass
class _Update:
    leaf: Pending | Ref
    numbers: torch.Tensor


class TrainingReader(DataUpdates):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.updates: dict[str, _Update] = {}  # leaf id → its new numbers, this statement
        # leaf id → its .grad as clipping left it, until the weights are updated from it
        self.grad_updates: dict[str, torch.Tensor] = {}
        self.clipped_at: ast.AST | None = None
        self.step_grads: dict[str, torch.Tensor | None] | None = None  # grads this statement
        self.shown: _Step | None = None  # the latest step that called backward
        self.resets_since: list[Call] = []  # calls of the steps after it: .grad resets only
        self.update_lines: list[int] = []
        # what this step's torch.autograd.grad calls returned, by call number (grads_here)
        self.step_answers: dict[int, dict[Any, torch.Tensor | None]] = {}
        self.backwarded: set[str] = set()  # nodes a finished step's backward went through
        self.answers_at = 0  # the calls the program had when step_answers was made
        self.backward: Any = None  # reader.py: the first backward of the step being read
        self.calls_ran_while_read = 0  # calls read as a step to keep within CALLS (make_room)
        self.room_made = 0
        self.making_room = False

    # ---- where a .grad is read to update ----------------------------------------------
    def training_step(self, stmt: ast.stmt, exc: AfterBackward) -> None:
        """A statement computes with a .grad: read it again with the grads torch gives at
        this point of the script."""
        refusal = self.not_trainable(stmt)
        if refusal is not None:
            raise error_at(stmt, f"{short_text(stmt)} {refusal}") from exc
        try:
            self.read_with_grads(stmt)
        except AfterBackward as again:  # a value computed from a .grad earlier, by name
            raise error_at(stmt, f"{short_text(stmt)} {TRAINING_STEP}") from again

    def check_report(self, stmt: ast.stmt) -> None:
        """`print(w.grad[0])` after `optimizer.zero_grad()`: torch's .grad is None there, so
        the script raises Python's TypeError at this line; read it with the grads of this
        point when it indexes a .grad or reads one's attribute (a plain print(w.grad) shows
        None and raises nothing)."""
        digs = any(isinstance(n, ast.Subscript | ast.Attribute) and isinstance(
            n.value, ast.Attribute) and n.value.attr == "grad" for n in ast.walk(stmt))
        # a .grad set to None since the last backward: only then is a run worth its cost
        # (a loop printing w.grad[0] after each backward would run the document twice a step)
        reset = next((c.kind == calls.ZERO_GRAD and c.set_to_none
                      for c in reversed(self.program)
                      if c.kind != calls.ZERO_GRAD or c.set_to_none), False)
        if not digs or not reset or self.not_trainable(stmt) is not None:
            return
        try:
            self.read_with_grads(stmt)
        except TorchRaised:
            raise
        except (ImportError_, ScriptStopped):
            pass  # what cannot be read with the grads stays a skipped report

    def computed_from_grads(self, stmt: ast.stmt) -> bool:
        """`param_norm = p.grad.norm(2)`: a new tensor computed from .grad (not the .grad
        itself, which later calls change in place) is the numbers torch gives here."""
        if not (isinstance(stmt, ast.Assign) and all(isinstance(t, ast.Name)
                                                     for t in stmt.targets)) \
                or plain_read(stmt.value) or holds_a_grad(stmt.value) or \
                self.not_trainable(stmt) is not None:
            return False
        try:
            self.read_with_grads(stmt)
        except AfterBackward:
            return False
        return True

    def read_with_grads(self, stmt: ast.stmt) -> None:
        """The statement read again, each .grad it reads being the one torch gives here; one
        that also calls backward is refused (its .grad would change under it), but for a
        backward whose seed reads it (`y.backward(x.grad)`: read before that call runs)."""
        made = len(self.program)
        self.known_grads = self.grads_here(stmt)
        self.known_answers = self.step_answers
        try:
            self.one_statement(stmt)
        finally:
            self.known_grads = self.known_answers = None
        made_calls = [c for c in self.program[made:] if c.kind != calls.ZERO_GRAD]
        if made_calls and not (len(made_calls) == 1 and
                               reads_grad_only_as_seed(stmt, self.module_path)):
            raise error_at(stmt, f"{short_text(stmt)} reads a .grad and calls backward in one "
                                 "statement; write them on lines of their own")

    def answer_step(self) -> int:
        return len(self.update_lines) + self.room_made

    def room_needed(self) -> bool:
        """Once a loop has passed the limit, its calls run with torch every ROOM_AFTER calls:
        each statement reading a .grad runs the calls the program holds, so a long loop
        reads in time linear in its length (the document shows its last calls)."""
        return super().room_needed() or (self.room_made > 0 and
                                         len(self.program) >= ROOM_AFTER)

    def make_room(self, where: ast.AST) -> None:
        """The program holds as many calls as a document does (a loop of backward calls
        with nothing updated): the calls so far ran with torch while the snippet was read,
        each leaf keeps the .grad they left, and the document goes on with the calls after."""
        if self.not_trainable(where) is not None or self.known_grads is not None or \
                self.updates or not self.program:
            return
        self.calls_ran_while_read += len(self.program)
        self.room_made += 1
        self.making_room = True
        try:
            self.next_step(where)
        finally:
            self.making_room = False

    def answers_here(self, where: ast.AST) -> dict[int, dict[Any, torch.Tensor | None]] | None:
        if self.not_trainable(where) is not None or not self.program:
            return None
        if self.answers_at != len(self.program):  # a call was added since: run again
            self.step_grads = None
        self.grads_here(where)
        return self.step_answers

    def grad_set(self, leaf: str) -> None:
        self.grad_updates.pop(leaf, None)  # a clip of the .grad before it was given anew
        self.step_grads = None

    def not_trainable(self, stmt: ast.AST) -> str | None:
        """Why this update cannot be read as a training step here, or None."""
        if self.open_tries or self.guarded or self.caught:
            return f"inside a try: {TRAINING_STEP}"
        if self.grad_asserts:
            self.asserts_before_the_step()
        return None

    def asserts_before_the_step(self) -> None:
        """The script checked its asserts on a .grad before this step changes the weights:
        they are checked on the calls so far (a failing one stops the script at its line)."""
        self.materialise_leaves()
        twin = self.doc.twin()
        self.mark_program(twin)
        self.check_grad_asserts(twin)

    def grads_here(self, where: ast.AST) -> dict[str, torch.Tensor | None]:
        """Every leaf's .grad at this point of the script: the document built so far, run
        by torch (the same run the app makes), once per statement."""
        if self.step_grads is not None:
            return {**self.step_grads, **self.grad_updates}
        if not self.program:  # no call since the last step: the .grad each leaf kept
            grads = {n.id: None if n.grad is None else torch.tensor(n.grad, dtype=t.dtype)
                     for n in self.doc.leaves() if n.requires_grad
                     for t in [self.concrete(Ref(n.id), where)]}
        else:
            from engine.run import GRADS, run  # only here: reading needs no run otherwise

            self.materialise_leaves()
            twin = self.doc.twin()
            self.mark_program(twin)
            result = run(twin, level=GRADS, before_calls=self.before_calls)
            if result.error is not None and result.error.call is not None:
                raise ScriptStopped()  # a call raised: the script stops there, torch's error
            self.step_ran(twin, result)
            grads = {**dict(result.leaf_grads), **retained_grads(result, self.grads_retained)}
            self.step_answers = {number: answers for number, call in enumerate(
                result.calls, start=1) if (answers := call_answers(call))}
            self.answers_at = len(self.program)
        self.step_grads = grads
        return {**grads, **self.grad_updates}  # clipped in place by torch

    def reached_by_backward(self) -> set[str]:
        """The nodes the step's backward calls went through: a graph kept past the step (a
        second model's loss, held by its name) whose backward ran already. A second
        optimizer's step may change the leaves under it, as torch's does."""
        outputs = [o for c in self.program if c.kind == calls.BACKWARD for o in c.outputs]
        if self.backward is not None:
            outputs += [o[0] for o in self.backward.outputs]
        graph = self.doc.graph
        return {n for o in outputs if o in graph for n in (o, *nx.ancestors(graph, o))}

    def step_ran(self, doc: Document, result: Any) -> None:
        """The run of the document built so far, made here: custom_functions.py checks it."""

    # ---- updates ------------------------------------------------------------------------
    def set_leaf_numbers(self, stmt: ast.AST, leaf: Pending | Ref, numbers: torch.Tensor,
                         name: str) -> None:
        node_id = self.node_of(leaf, stmt)
        if self.unused_leaf(leaf, stmt):
            super().set_leaf_numbers(stmt, leaf, numbers, name)  # before any use: its start
            return
        refusal = self.not_trainable(stmt)
        if refusal is not None:
            raise error_at(stmt, f"updating the leaf {name} in place {refusal}")
        # a graph that used the old numbers and has no backward yet (`w *= 2` under no_grad
        # in a check, then `w /= 2`) ends with the step as any other: its tensors are kept as
        # numbers, and a backward through them later is refused where it is
        self.grads_here(stmt)  # the grads before the update (the graph used the old numbers)
        self.updates[node_id] = _Update(leaf, numbers)

    # ---- the end of a step ----------------------------------------------------------------
    def statement(self, stmt: ast.stmt) -> None:
        made = len(self.program)
        try:
            if self.backward_seen and self.known_grads is None and not self.graphed and \
                    writes_before_grad_read(stmt):  # read once, with the grads of here
                self.reading_grad(stmt, AfterBackward("reads .grad after a backward call",
                                                      stmt.lineno, stmt.col_offset + 1))
            else:
                super().statement(stmt)
            stop = self.freed_reached(made, stmt)
            if stop is not None:  # the leaves hold what torch left: no call, no step to show
                self.program, self.names_at_call, self.backward = [], [], None
                self.shown = None
                raise stop
        except UnknownNodeError:
            if not self.update_lines:
                raise
            raise error_at(stmt, f"{short_text(stmt)} uses a tensor computed before the "
                                 f"update at line {self.update_lines[-1]}; compute it again "
                                 "after the update") from None
        finally:
            if not self.updates:
                self.step_grads = None
        if self.updates:
            self.next_step(stmt)

    def next_step(self, stmt: ast.AST) -> None:
        """The weights were updated: the step's graph leaves the document (its values stay
        as plain numbers for display) and every leaf starts the next step with its new
        numbers and the .grad it holds now."""
        grads = self.grads_here(stmt)
        clipped = bool(self.grad_updates)
        updates, self.updates, self.step_grads = self.updates, {}, None
        self.given_by_hand = set()
        self.grad_updates = {}
        line = getattr(stmt, "lineno", 1)
        if any(c.kind != calls.ZERO_GRAD for c in self.program):  # as backward saw it
            self.shown = _Step(self.doc.twin(), list(self.program), self.backward,
                               list(self.names_at_call), line, clipped)
            self.resets_since = []
        else:  # the same reset again changes nothing: kept once (300 steps of p.grad = None)
            self.resets_since.extend(c for c in self.program
                                     if not self.resets_since or c != self.resets_since[-1])
        gone = self.finished_nodes(set(updates))
        gone += self.leaves_left_behind(set(gone))
        self.keep_as_numbers(set(gone), line, stmt, set(updates))
        self.drop_nodes(gone)
        for node_id, update in updates.items():
            self.doc.update_node(node_id, value=update.numbers.tolist())
            self.values[node_id] = update.numbers
            if isinstance(update.leaf, Pending):
                update.leaf.value = update.numbers.tolist()
        for leaf in self.doc.leaves():
            grad = grads.get(leaf.id) if leaf.requires_grad else None
            held = None if grad is None else grad.tolist()
            if held != leaf.grad:
                self.doc.update_node(leaf.id, grad=held)
        self.grad_memo.clear()
        self.suffix.clear()  # names freed above are given again (linear, not linear_5)
        # the element limit counts the graph the document holds: the finished step's is gone
        self.elements = sum(int(m.numel()) for i in self.doc.graph
                            if isinstance(m := self.meta.get(i), torch.Tensor))
        self.backwarded |= self.reached_by_backward()
        self.program, self.names_at_call, self.backward = [], [], None
        if not self.making_room:  # (calls read as a step: no update ended it)
            self.update_lines.append(line)
        self.step_tensors = {}

    def drop_nodes(self, gone: list[str]) -> None:
        """Nodes of a finished step leave the document (given in graph order)."""
        for node_id in reversed(gone):
            self.forget_node(node_id)  # its name is free for the next step

    def new_unused_leaves(self, shown: Document) -> set[str]:
        """Leaves made after the step `shown` that nothing computes with yet."""
        return {n.id for n in self.doc.leaves() if n.id not in shown.graph
                and not self.doc.out_edges(n.id) and shown.node_by_name(n.name) is None}

    def leaves_left_behind(self, gone: set[str]) -> list[str]:
        """Leaves the step leaves behind with its graph (rebound_steps.py); none here."""
        return []

    def last_step_shown(self) -> None:
        """At the end: the last step that called backward is what the document shows, with
        the calls after it that only reset .grad; an update after the last backward changes
        numbers the graph no longer uses."""
        clipped_last = self.clipped_at is not None and bool(self.grad_updates)
        if clipped_last:  # .grad clipped after the last backward: the leaves hold that .grad
            try:
                self.next_step(self.clipped_at)  # type: ignore[arg-type]
            except ScriptStopped:  # a later call raised: the script stopped there, and the
                clipped_last = False  # document's own run gives torch's error at that call
                self.grad_updates = {}
        notes = self.doc.description  # what the reading noted (a file not written...): kept
        ran = (f"{self.calls_ran_while_read} {CALLS_RAN_WHILE_READ}, more than a document "
               f"holds ({CALLS.value}); each leaf starts with the .grad they left. ") \
            if self.calls_ran_while_read else ""
        if not self.update_lines:
            if ran:
                self.doc.description = f"{ran}{notes}".strip()
            return
        self.materialise_leaves()
        shown = None if clipped_last or (self.shown and self.shown.clipped) else self.shown
        a_step = any(c.kind != calls.ZERO_GRAD for c in self.program)  # the last one is here
        # w = w - lr * w.grad: the new w, used by no graph yet, is shown beside that step
        fresh = self.new_unused_leaves(shown.doc) if shown is not None else set()
        given = bool(self.given_by_hand & set(self.doc.graph))  # after the shown step
        if shown is not None and not a_step and not given \
                and {n.id for n in self.doc.leaves()} <= {n.id for n in shown.doc.leaves()} | fresh:
            a_step = True
            for node_id in fresh:
                shown.doc.insert_node(self.doc.node(node_id))
            trailing = [*self.resets_since, *self.program]
            self.doc, self.backward = shown.doc, shown.backward
            self.program = [*shown.program, *trailing]
            self.names_at_call = [*shown.names_at_call, *[dict(self.env)] * len(trailing)]
            after = (f", then updated the weights at line {self.update_lines[-1]}"
                     if shown.update_line == self.update_lines[-1] else "")
        else:
            after = ""
        steps = len(self.update_lines)
        lines = sorted(set(self.update_lines))
        where = f"line {lines[0]}" if len(lines) == 1 else \
            f"lines {', '.join(str(n) for n in lines[:5])}{'…' if len(lines) > 5 else ''}"
        if a_step:
            what = ("This graph is the last step that called backward: the weights as the "
                    f"earlier updates left them, each leaf starting with the .grad it held{after}.")
        else:  # no step to show, or its .grad was clipped (no call of the program clips)
            what = ("The leaves hold the weights and the .grad the loop ended with"
                    f"{', its .grad clipped by torch' if self.clipped_at is not None else ''}; "
                    "the graph is what the script built after its last update.")
        self.doc.description = (
            f"{TRAINING_LOOP} {steps} weight update{'s' if steps != 1 else ''} ({where}) "
            f"ran with torch while the snippet was read, each from the .grad torch computed. "
            f"{ran}{what} {notes}").strip()


# how the description of a document read from a training loop begins
TRAINING_LOOP = "A training loop:"
# what it says of a loop of more calls than a document holds
CALLS_RAN_WHILE_READ = "earlier calls ran with torch while the snippet was read"


# calls a loop past the limit keeps before they run with torch again (see room_needed)
ROOM_AFTER = 10


class ScriptStopped(Exception):  # noqa: N818 - a stop, not an error
    """A call made before a training step raised: the script stops there, with torch's
    error on that call, so nothing after it is read."""


__all__ = ["CALLS_RAN_WHILE_READ", "TRAINING_LOOP", "ScriptStopped", "TrainingReader"]

