"""Asserts on a .grad (`assert torch.allclose(x.grad, 2 * x)` after a backward), checked
where the grads are known: once the document runs, at the end of the reading, or on the
calls so far when a training step comes (training.py). program.py keeps each assert with the
calls made before it and the names the script had at its line."""

from __future__ import annotations

import ast
from typing import Any

from engine.document import Document
from engine.snippets.pyexpr import AfterBackward
from engine.snippets.safety import ImportError_, raised_at
from engine.snippets.values import Value


def checked_asserts(reader: Any, asserts: list[tuple[ast.Assert, int, dict[str, Value]]],
                    doc: Document | None) -> None:
    """Check each assert on the .grad values and names it had. One that fails stops the
    plain script there: the calls after it are dropped and Python's AssertionError is raised
    at its line. `doc`: a copy with the program so far (a training step comes), else the
    reader's own document."""
    if not asserts:
        return
    from engine.run import run  # only here: reading a snippet needs no run otherwise

    result = run(reader.doc if doc is None else doc)
    for stmt, made, names in asserts:
        error = result.error
        if error is not None and (error.call is None or error.call < made):
            return  # the script stopped before this line
        env, reader.env = reader.env, names
        reader.known_grads = dict(result.calls[made - 1].grads_after)
        try:
            holds = reader.truth(reader.expr(stmt.test), stmt.test)
            message = None if holds or stmt.msg is None else reader.text_of(stmt.msg)
        except (AfterBackward, ImportError_):
            # it reads what it cannot be given here (a .grad kept under a name): left
            # unchecked, and "About this graph" says so, since the script may stop there
            note = (f"The assert at line {stmt.lineno} was not checked: it reads a .grad "
                    "or an answer Gradflow cannot give at that line.")
            reader.doc.description = f"{reader.doc.description} {note}".strip()
            continue
        finally:
            reader.env, reader.known_grads = env, None
        if not holds:
            if doc is None:
                reader.doc.set_calls(list(reader.doc.calls[:made]))
            else:  # read on: the program is the document's at the end
                del reader.program[made:], reader.names_at_call[made:]
            raise raised_at(stmt, AssertionError() if message is None else
                            AssertionError(message))
