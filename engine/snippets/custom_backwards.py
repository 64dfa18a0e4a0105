"""A custom autograd.Function whose backward is not its forward's derivative (a straight-
through estimator `return grad_output`, a gradient reversal `return -ctx.alpha * grad_output,
None`, a clipped gradient), read as torch runs it: the forward's ops give the values, and a
custom_backward node (engine/expression_backward.py) sends the input what the snippet's own
backward returns, read into a gradient expression of grad_output and the tensors the forward
saved (snippets/gradient_reading.py); the forward's ops get no gradient, as torch never
records them.

Which way a Function is read is decided when it is applied: its backward, read as an
expression, is compared with autograd's derivative of the forward's ops on two probe
gradients. The same numbers: the forward's ops carry the gradient as before, and each real
call is still checked (function_check.py). Other numbers: the custom_backward node. A
backward that cannot be read as an expression stays on the checked path, whose refusal says
why it was not read.
"""

from __future__ import annotations

import ast
from typing import Any

import torch

from engine.grad_expression import FUNCTION_NAMES, GRADIENT, evaluate
from engine.snippets.function_check import Application, first_difference, forward_vjp
from engine.snippets.gradient_reading import GradientReader, checked, literal
from engine.snippets.safety import ImportError_, error_at, short_text
from engine.snippets.values import Pending, Py, Ref, Value

INPUT, OUTPUT = "input", "output"


def read_backward(reader: Any, app: Application) -> str:
    """The backward's gradient for the Function's one input that requires grad, as an
    expression; ImportError_ naming the construct (and its line) that cannot be read."""
    name = app.cls.name
    backward = app.cls.methods.get("backward")
    what = f"{name}.backward"
    if backward is None or isinstance(backward.node, ast.Lambda):
        raise error_at(app.where, f"{name} has no backward of its own to read")
    params = [a.arg for a in backward.node.args.args]
    outputs = [i for i in app.output_ids if i is not None]
    if len(params) != 2 or len(app.output_ids) != 1 or len(outputs) != 1:
        raise error_at(backward.node, f"{what} is read as an expression when the Function has "
                                      "one output")
    ctx_name, grad_name = params
    saved_ids: dict[str | None, str] = {outputs[0]: OUTPUT}

    def tensor(value: Value) -> ast.expr | None:
        node_id = value.node_id if isinstance(value, Ref | Pending) else None
        if node_id in saved_ids:
            return ast.Name(id=saved_ids[node_id], ctx=ast.Load())
        if node_id is not None and reader.node_needs_grad(node_id):
            raise ImportError_(f"{what} reads a tensor that requires grad other than the input "
                               "it returns a gradient for and the output",
                               backward.node.lineno, 1)
        return None

    def resolve(expr: ast.expr) -> ast.expr:
        value = ctx_value(app, expr, ctx_name, what)
        if value is None:
            if isinstance(expr, ast.Name) and expr.id in backward.scope:
                value = backward.scope[expr.id]
            else:
                raise error_at(expr, f"{what} reads {short_text(expr)}, which a gradient "
                                     "expression cannot hold")
        return literal(value, expr, what, lambda v: reader.concrete(v, expr), tensor)

    body = backward.node.body
    returned = next((s.value for s in body if isinstance(s, ast.Return)), None)
    items = returned.elts if isinstance(returned, ast.Tuple) else [returned]
    count = len(app.inputs)
    if returned is None or len(items) != count:
        raise error_at(app.where, f"{name}.apply: RuntimeError: function {name}Backward "
                                  f"returned an incorrect number of gradients (expected "
                                  f"{count}, got {len(items) if returned else 0})")
    given = [n for n, item in enumerate(items)
             if not (isinstance(item, ast.Constant) and item.value is None)]
    for number in given:
        if not isinstance(app.inputs[number], Pending | Ref):
            raise error_at(app.where, f"{name}.apply: RuntimeError: function {name}Backward "
                                      f"returned a gradient different than None at position "
                                      f"{number + 1}, but the corresponding forward input "
                                      "was not a Variable")
    wanted = [n for n in given if app.input_ids[n] is not None]
    if len(wanted) != 1:
        raise error_at(backward.node, f"{what} is read as an expression when it returns a "
                                      "gradient for one input that requires grad (None for "
                                      "the others)")
    saved_ids[app.input_ids[wanted[0]]] = INPUT
    app.read_input = app.input_ids[wanted[0]]
    # the backward's lines, then the returned gradient of that input alone
    lines = [*body[:body.index(next(s for s in body if isinstance(s, ast.Return)))],
             ast.Return(items[wanted[0]])]
    gradient = GradientReader(what, {grad_name: ast.Name(id=GRADIENT, ctx=ast.Load())},
                              resolve, reader.module_path)
    tree = gradient.body(lines)
    if tree is None:
        raise error_at(backward.node, f"{what} returns None for {app.names[wanted[0]]}")
    return checked(what, tree, FUNCTION_NAMES)


def ctx_value(app: Application, expr: ast.expr, ctx_name: str, what: str) -> Value | None:
    """ctx.saved_tensors, ctx.saved_tensors[i], ctx.<attribute>; None for other things."""
    ctx = app.ctx
    if isinstance(expr, ast.Subscript):
        whole = ctx_value(app, expr.value, ctx_name, what)
        if isinstance(whole, Py) and isinstance(whole.value, tuple) and isinstance(
                expr.slice, ast.Constant) and isinstance(expr.slice.value, int):
            return whole.value[expr.slice.value]
        return None
    if not (isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name)
            and expr.value.id == ctx_name):
        if isinstance(expr, ast.Name) and expr.id == ctx_name:
            raise error_at(expr, f"{what} uses ctx itself, not one of its saved values")
        return None
    if expr.attr == "saved_tensors":
        return Py(tuple(ctx.saved))
    if expr.attr in ctx.attrs:
        return ctx.attrs[expr.attr]
    raise error_at(expr, f"{what} reads ctx.{expr.attr}, which its forward did not set")


def returned_for(app: Application) -> int:
    """The input the read backward returns a gradient for: the input_id that is INPUT."""
    return next(n for n, i in enumerate(app.input_ids) if i == app.read_input)


def differs_from_forward(reader: Any, app: Application, text: str) -> bool:
    """Whether the backward gives other numbers than autograd's derivative of the forward's
    ops, on two probe gradients (ones, and a ramp through negative numbers): the expression
    for its input, nothing for every other input that requires grad."""
    (output_id,) = [i for i in app.output_ids if i is not None]
    out = reader.evaluate(output_id, app.where).detach()
    values = {INPUT: reader.evaluate(app.read_input, app.where).detach(), OUTPUT: out}
    for probe in (torch.ones_like(out),
                  torch.linspace(-1.5, 2.5, out.numel(), dtype=out.dtype).reshape(out.shape)):
        expected = forward_vjp(reader, app, [probe])
        try:
            got = evaluate(text, {GRADIENT: probe, **values})
        except Exception as exc:  # torch's own error when it calls the backward
            raise error_at(app.where, f"{app.cls.name}.backward raises when torch calls it: "
                                      f"{type(exc).__name__}: {exc}") from None
        for node_id, want in expected.items():
            mine = got if node_id == app.read_input else torch.zeros_like(want)
            if not isinstance(mine, torch.Tensor) or mine.numel() != want.numel() or \
                    first_difference(mine.to(want.dtype).reshape(want.shape), want) is not None:
                return True
    return False


__all__ = ["differs_from_forward", "read_backward", "returned_for"]
