"""`print(y.backward())` and `print(f"... {z.backward()} ...")`: the backward runs where
Python runs it, and the print shows its None. Each argument of the print is read as a line
of its own, in order; a backward inside one is made first, then the argument is printed
with the call read as None. More than one backward inside one argument is refused."""

from __future__ import annotations

import ast
import copy

from engine.snippets.safety import error_at, short_text


class PrintedBackward:
    def backward_shown(self, node: ast.Call) -> bool:
        """`print(y.backward())` runs the backward (and prints None): each argument is read
        as a line of its own, in order. A backward deeper inside a print's argument is
        refused at its line rather than skipped as a display."""
        def is_backward(c: ast.AST) -> bool:
            return self.is_gradient_call(c) and not (isinstance(c, ast.Call) and self.module_path(
                c.func) == "torch.autograd.grad")

        if not any(is_backward(c) for arg in node.args for c in ast.walk(arg)):
            return False
        for arg in node.args:
            if is_backward(arg):
                self.expression_statement(arg)
                continue
            inner = [c for c in ast.walk(arg) if isinstance(c, ast.Call) and is_backward(c)]
            if len(inner) > 1:
                raise error_at(inner[1], f"{short_text(inner[1])} inside a print is read on a "
                                         "line of its own; write it before the print")
            if inner:  # print(f"... {z.backward()} ..."): the call, then its None printed
                self.expression_statement(inner[0])
                arg = _Replaced(inner[0]).visit(copy.deepcopy(arg))
            self.expression_statement(ast.copy_location(
                ast.Call(func=node.func, args=[arg], keywords=[]), node))
        return True

    def is_gradient_call(self, node: ast.AST) -> bool:
        """y.backward(...), torch.autograd.backward(...) or torch.autograd.grad(...)."""
        if not isinstance(node, ast.Call):
            return False
        path = self.module_path(node.func)
        return path in ("torch.autograd.backward", "torch.autograd.grad") or isinstance(
            node.func, ast.Attribute) and path is None and node.func.attr == "backward"

    def expression_statement(self, node: ast.expr) -> None:
        raise NotImplementedError  # reader.py

    def module_path(self, node: ast.expr) -> str | None:
        raise NotImplementedError  # expressions.py


class _Replaced(ast.NodeTransformer):
    """A copy of an expression with one call (found in the original) read as its None."""

    def __init__(self, call: ast.Call) -> None:
        self.where = (call.lineno, call.col_offset, call.end_lineno, call.end_col_offset)

    def visit_Call(self, node: ast.Call) -> ast.AST:  # noqa: N802 - ast's own name
        if (node.lineno, node.col_offset, node.end_lineno, node.end_col_offset) == self.where:
            return ast.copy_location(ast.Constant(None), node)
        return self.generic_visit(node)


__all__ = ["PrintedBackward"]
