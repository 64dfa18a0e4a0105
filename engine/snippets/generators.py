"""A `def` with `yield` (d2l's `data_iter`, which shuffles indices and yields one batch at a
time), read as the list of what it yields, all made at the call.

Python runs a generator's body lazily, between the turns of the loop that consumes it. Reading
it whole at the call gives the same numbers while the body draws no random number after its
first yield (d2l's shuffle comes before it) and yields data, not values computed with a
gradient (which Python would compute from the weights after the loop's updates so far). Both
are checked, the first by comparing the random streams (torch's, Python's `random`, numpy's)
as they stood at the first yield and at the end, and refused otherwise.
"""

from __future__ import annotations

import ast
import pickle
from typing import Any

from engine.snippets.loops import LoopRunner
from engine.snippets.safety import error_at
from engine.snippets.values import Function, Pending, Py, Ref, Value


class GeneratorReader(LoopRunner):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # one entry per generator being read: what it yielded, the random streams at its
        # first yield
        self.generating: list[tuple[list[Value], list[bytes]]] = []

    def inline(self, fn: Function, args: list[Value], kwargs: dict[str, Value],
               node: ast.Call) -> Value:
        if not (isinstance(fn.node, ast.FunctionDef) and _yields(fn.node)):
            return super().inline(fn, args, kwargs, node)
        yielded: list[Value] = []
        first: list[bytes] = []
        self.generating.append((yielded, first))
        try:
            super().inline(fn, args, kwargs, node)  # its return value ends it (StopIteration)
        finally:
            self.generating.pop()
        if first and first[0] != self.random_streams():
            raise error_at(node, f"{fn.name} draws random numbers between the batches it "
                                 "yields: Gradflow reads a generator's items all at its call, "
                                 "which would change the order of the loop's own draws; draw "
                                 "them before the first yield (as d2l's data_iter shuffles)")
        return Py(item for item in yielded)  # a generator: len() and [i] raise, one pass

    def other_expr(self, node: ast.expr) -> Value:
        if isinstance(node, ast.Yield):
            if not self.generating:
                raise error_at(node, "yield outside a function")
            yielded, first = self.generating[-1]
            if not first:
                first.append(self.random_streams())
            item = self.expr(node.value) if node.value is not None else Py(None)
            parts = item.value if isinstance(item, Py) and isinstance(item.value, tuple) \
                else (item,)
            if any(isinstance(p, Pending | Ref) and self.needs_grad(p) and
                   not self.is_grad_leaf(p) for p in parts):
                # computed from weights at the call, where Python computes it at each turn,
                # after the loop's updates so far
                raise error_at(node, "a generator whose items are computed with a gradient "
                                     "is not read; yield the data (or the leaves) and compute "
                                     "in the loop")
            yielded.append(item)
            return Py(None)  # what a for loop sends back
        return super().other_expr(node)

    def random_streams(self) -> bytes:
        """The state of every random stream a snippet draws from, as bytes to compare."""
        states: list[Any] = [self.generator.get_state().tolist()]
        for owner, attr in (("py_random", "generator"), ("np_random", None)):
            held = getattr(self, owner, None)
            if held is not None:
                states.append(held.generator.getstate() if attr else held.get_state())
        return pickle.dumps(states)


def _yields(fn: ast.FunctionDef) -> bool:
    """Whether the function's own body (not a nested def or lambda) has a yield."""
    stack: list[ast.AST] = list(fn.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Yield):
            return True
        if not isinstance(node, ast.FunctionDef | ast.Lambda | ast.ClassDef):
            stack.extend(ast.iter_child_nodes(node))
    return False


__all__ = ["GeneratorReader"]
