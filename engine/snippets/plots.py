"""Plots in a snippet (matplotlib): read as lines that draw, outside the computation.

`plt.plot(x_np, w.grad.numpy())`, `fig, ax = plt.subplots()`, `ax.set_title(...)`,
`plt.show()`, `plt.rcParams['text.usetex'] = True` compute nothing the script goes on with,
so each reads as nothing, whether or not matplotlib is installed where Gradflow runs:
Gradflow draws the values and gradients itself. Their arguments are still evaluated, in
Python's order, so what the script raises there (torch's `.numpy()` of a tensor that
requires grad) is raised at that line.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

from engine.limits import LOOP_ITERATIONS
from engine.snippets.own_contexts import OwnContexts
from engine.snippets.safety import error_at
from engine.snippets.values import Py, Value


@dataclass(frozen=True)
class Plot:
    """A figure, axes, line or any other object a plotting call returns. `count`: how many
    items it unpacks into (the axes of plt.subplots(1, 3))."""

    count: int = 1

    def __getitem__(self, key: Any) -> Plot:
        return Plot()


PLOT_LIBRARIES = ("matplotlib", "mpl_toolkits")  # mpl_toolkits.mplot3d: 3-D axes


def is_plot_path(path: str | None) -> bool:
    return path is not None and any(path == top or path.startswith(top + ".")
                                    for top in PLOT_LIBRARIES)


class PlotReader(OwnContexts):
    def call(self, node: ast.Call) -> Value:
        path = self.module_path(node.func)
        if is_plot_path(path):
            return self.plot_call(str(path), node)
        return super().call(node)

    def plot_call(self, path: str, node: ast.Call) -> Value:
        args, kwargs = self.arguments(node)  # evaluated as the script evaluates them
        if path.endswith(".subplots"):  # fig, ax = plt.subplots(2, 2)
            sizes = [self.plain(v, node) for v in [*args[:2], *(
                kwargs[k] for k in ("nrows", "ncols") if k in kwargs)]]
            counts = [n for n in sizes if isinstance(n, int) and not isinstance(n, bool)]
            axes = counts[0] if counts and counts[0] > 1 else (
                counts[1] if len(counts) > 1 else 1)
            return Py((Py(Plot()), Py(Plot(max(axes, 1)))))
        return Py(Plot())

    def module_attribute(self, path: str, node: ast.AST) -> Value:
        if is_plot_path(path):
            return Py(Plot())  # plt.rcParams, plt.cm.viridis: settings of the drawing
        return super().module_attribute(path, node)

    def plain_item_assign(self, base: Py, target: ast.Subscript, value: Value,
                          stmt: ast.AST) -> bool:
        if isinstance(base.value, Plot):  # plt.rcParams['font.size'] = 12: how it draws
            self.index_key(target.slice)  # read as Python reads it
            return True
        return super().plain_item_assign(base, target, value, stmt)

    def method(self, receiver: Value, attr: str, node: ast.Call) -> Value:
        if isinstance(receiver, Py) and isinstance(receiver.value, Plot):
            self.arguments(node)  # ax.plot(x, y.detach().numpy()): evaluated, then drawn
            return Py(Plot())
        return super().method(receiver, attr, node)

    def plain_attribute(self, value: Py, attr: str, node: ast.Attribute) -> Value | None:
        if isinstance(value.value, Plot):
            return Py(Plot())  # ax.xaxis, fig.canvas: more of the drawing
        return super().plain_attribute(value, attr, node)

    def items(self, value: Value, where: ast.AST) -> list[Value]:
        if isinstance(value, Py) and isinstance(value.value, Plot):
            if LOOP_ITERATIONS.exceeded(value.value.count):
                raise error_at(where, f"these axes are {LOOP_ITERATIONS.message()}")
            return [Py(Plot()) for _ in range(value.value.count)]
        return super().items(value, where)

    def has_effects(self, call: ast.Call) -> bool:
        """print(plt.plot(...)) draws nothing Gradflow reads; its arguments are read as
        any print's are."""
        if is_plot_path(self.module_path(call.func)):
            return False
        return super().has_effects(call)


__all__ = ["Plot", "PlotReader", "is_plot_path"]
