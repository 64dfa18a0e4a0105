"""Progress bars (tqdm) around a snippet's loops, read as what they wrap.

`for xb, yb in tqdm(loader)`, `for epoch in trange(10)`, `pbar = tqdm(range(n))` with
`pbar.set_description(...)`, and `with tqdm(total=n) as pbar: ... pbar.update(1)` show
progress on the console and compute nothing: a bar is visited as the iterable it wraps
(`trange(n)` as `range(n)`), and its methods read as nothing once their arguments are
evaluated (in Python's order, so what the script raises there is raised). As plots are
(plots.py), this holds whether or not tqdm is installed where Gradflow runs.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from engine.snippets.safety import error_at, raised_at
from engine.snippets.saved_files import SavedFiles
from engine.snippets.values import Py, Value

PROGRESS_LIBRARY = "tqdm"


@dataclass(eq=False)
class Bar:
    """A progress bar: what it wraps (None for `tqdm(total=n)`, updated by hand)."""

    wrapped: Value | None


def is_progress_path(path: str | None) -> bool:
    return path is not None and (path == PROGRESS_LIBRARY or
                                 path.startswith(PROGRESS_LIBRARY + "."))


class ProgressBars(SavedFiles):
    def call(self, node: ast.Call) -> Value:
        path = self.module_path(node.func)
        if is_progress_path(path):
            return self.progress_call(str(path), node)
        return super().call(node)

    def progress_call(self, path: str, node: ast.Call) -> Value:
        args, kwargs = self.arguments(node)  # evaluated as the script evaluates them
        name = path.rsplit(".", 1)[-1]
        if name == "trange":
            bounds = [self.plain(a, node) for a in args]
            try:
                return Py(Bar(Py(range(*bounds))))
            except TypeError as exc:  # Python's words for range's arguments
                raise raised_at(node, exc) from None
        if name == "tqdm":
            return Py(Bar(args[0] if args else kwargs.get("iterable")))
        return Py(None)  # tqdm.write(...), tqdm.pandas(): print, or set up the console

    def items(self, value: Value, where: ast.AST) -> list[Value]:
        if isinstance(value, Py) and isinstance(value.value, Bar):
            wrapped = value.value.wrapped
            if wrapped is None or isinstance(wrapped, Py) and wrapped.value is None:
                raise error_at(where, "a tqdm bar made without an iterable is updated by "
                                      "hand, not looped over; loop over what it counts")
            return self.items(wrapped, where)
        return super().items(value, where)

    def method(self, receiver: Value, attr: str, node: ast.Call) -> Value:
        if isinstance(receiver, Py) and isinstance(receiver.value, Bar):
            self.arguments(node)  # pbar.set_postfix(loss=loss.item()): evaluated, shown
            return Py(None)
        return super().method(receiver, attr, node)

    def plain_attribute(self, value: Py, attr: str, node: ast.Attribute) -> Value | None:
        if isinstance(value.value, Bar):
            return Py(None)  # pbar.n, pbar.total: the console's counters
        return super().plain_attribute(value, attr, node)

    def with_block(self, stmt: ast.With) -> None:
        """`with tqdm(total=n) as pbar:` runs its body; the bar only shows progress."""
        context = stmt.items[0].context_expr if len(stmt.items) == 1 else None
        if not (isinstance(context, ast.Call) and
                is_progress_path(self.module_path(context.func))):
            super().with_block(stmt)
            return
        bar = self.expr(context)
        target = stmt.items[0].optional_vars
        if target is not None:
            self.assign(target, bar, stmt)
        self.run_block(stmt.body)

    def has_effects(self, call: ast.Call) -> bool:
        if is_progress_path(self.module_path(call.func)):
            return False
        return super().has_effects(call)


__all__ = ["Bar", "ProgressBars", "is_progress_path"]
