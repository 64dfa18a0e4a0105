"""Checking the snippet's own torch.autograd.Function classes against torch.

custom_functions.py reads a Function's forward as torch ops and keeps each application whose
backward it does not apply itself. This reader (a base of CustomFunctions) remembers the line
of every backward call, and checks those applications on the gradients each call sent: when a
training step's run reads .grad, and at the end of the snippet, where the document's
description says what was read and checked (the check itself is function_check.py). It also
gives the scratch reader of a backward's body its values, as numbers.
"""

from __future__ import annotations

import ast
from typing import Any

from engine.calls import Call
from engine.snippets.caught import Caught
from engine.snippets.function_check import Application, BackwardRaised, check_run, described
from engine.snippets.numpy_reader import NumpyReader
from engine.snippets.safety import error_at
from engine.snippets.tables import dtype_name
from engine.snippets.values import Number, Pending, Py, Ref, Value


class CustomFunctionChecks(NumpyReader):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.custom_applications: list[Application] = []  # still in the document, to check
        self.custom_checked: list[Application] = []  # gone from it (a finished training step)
        self.call_lines: dict[int, int] = {}  # id(call) (-1: PRIMARY) -> its latest line
        self.custom_backward_notes: list[str] = []  # Functions whose own backward is applied
        self.call_numbers: dict[int, int] = {}  # id(call) -> its number (caught.py)
        # (call number, torch's error) of the first call whose Function's backward raised:
        # reader.py reads the snippet again with that call raising it, where the script stops
        self.backward_raised: tuple[int, Caught] | None = None

    # ---- checking the backward ---------------------------------------------------------
    def add_call(self, call: Call, where: ast.AST) -> None:
        super().add_call(call, where)
        self.call_lines[-1 if call.primary else id(call)] = getattr(where, "lineno", 1)
        self.call_numbers[id(call)] = self.attempts - 1

    def step_ran(self, doc: Any, run: Any) -> None:
        """The document was run where a training step reads .grad: every Function a call of
        it reached is checked on the gradients that call sent."""
        self.check_applications(doc, run)

    def check_applications(self, doc: Any, run: Any) -> None:
        graph = self.doc.graph
        # the document's own backward is one call object in every step: its latest line
        lines = [self.call_lines.get(-1 if c.primary else id(c)) for c in doc.calls]
        for app in list(self.custom_applications):
            if any(i not in graph for i in app.inside):  # a finished step's: checked then
                self.custom_applications.remove(app)
                self.custom_checked.append(app)
                continue
            try:
                check_run(self, app, run, lines)
            except BackwardRaised as exc:  # the program's calls, as the reader made them
                call = self.program[exc.index] if exc.index < len(self.program) else None
                number = self.call_numbers.get(id(call))
                if number is None:
                    raise error_at(app.where, f"{app.cls.name}.backward raised when torch "
                                              f"called it: {exc}") from None
                if self.backward_raised is None or number < self.backward_raised[0]:
                    self.backward_raised = number, Caught(exc.error_type, exc.message)

    def stopping_call(self) -> tuple[int, Caught] | None:
        """The call where the script stops with torch's error, found by a run: a Function's
        backward that raised, or a backward computing NaN under anomaly mode (blocks.py)."""
        if self.backward_raised is not None:
            return self.backward_raised
        return self.raising_call(self.anomaly_error(), self.doc.calls)

    def call_raising_before(self) -> tuple[int, Caught] | None:
        """Where the reading was refused: the first call made so far that raises when the
        program runs (a backward of a tensor computed under no_grad), or None."""
        if not self.program:
            return None
        from engine.run import run  # only here: reading needs no run otherwise

        try:
            self.materialise_leaves()
            twin = self.doc.twin()
            self.mark_program(twin)
            error = run(twin).error
        except Exception:  # noqa: BLE001 - the refusal stands as it was
            return None
        return self.raising_call(error, twin.calls)

    def raising_call(self, error: Any, program: list[Call]) -> tuple[int, Caught] | None:
        """The number the script gave the call a run's error belongs to, with the error."""
        if error is None or error.call is None or error.call >= len(program):
            return None
        number = self.call_numbers.get(id(program[error.call]))
        return None if number is None else (number, Caught(error.type, error.message))

    def functions_checked(self) -> None:
        """At the end of the snippet: the Functions still in the document are checked on
        the calls not checked yet, and the description says what was read and checked."""
        if any(app.unchecked_calls(self.doc.calls) for app in self.custom_applications):
            from engine.run import GRADS, run  # only here: reading needs no run otherwise

            twin = self.doc.twin()
            self.check_applications(twin, run(twin, level=GRADS))
        note = " ".join([described([*self.custom_checked, *self.custom_applications]),
                         *dict.fromkeys(self.custom_backward_notes)]).strip()
        if note:
            self.doc.description = f"{self.doc.description} {note}".strip()

    # ---- a backward's body, read on numbers --------------------------------------------
    def as_numbers(self, value: Value, where: ast.AST) -> Value:
        """A value of the snippet as the scratch reader takes it: tensors as their numbers."""
        if isinstance(value, Pending | Ref):
            t = self.concrete(value, where)
            return Pending(t.detach().tolist(), dtype_name(t.dtype), None)
        if isinstance(value, Py) and isinstance(value.value, list | tuple):
            items = [self.as_numbers(v, where) for v in value.value]
            return Py(items if isinstance(value.value, list) else tuple(items))
        if isinstance(value, Number):
            return Number(value.value)
        return value

    def outer_names(self, scope: Any, where: ast.AST) -> Any:
        """The names a backward sees besides its own, read as numbers when it uses them."""
        reader = self

        class _Numbers(dict):  # type: ignore[type-arg]
            def __missing__(self, key: str) -> Value:
                found = scope[key]
                self[key] = reader.as_numbers(found, where)
                return self[key]

            def __contains__(self, key: object) -> bool:
                return dict.__contains__(self, key) or key in scope

            def get(self, key: str, default: Any = None) -> Any:
                return self[key] if key in self else default

        return _Numbers()


__all__ = ["CustomFunctionChecks"]
