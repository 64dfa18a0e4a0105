"""`torch.clamp(x, lo, hi)`, `x.clamp(min=lo)`, `x.clamp_min(lo)` whose bounds are tensors: the
registry's clamp_tensors, clamp_min_tensor and clamp_max_tensor ops (engine/more_ops.py),
whose backward is torch's own (at the bounds it is not that of torch.max/torch.min). Bounds
that are numbers stay the clamp op's params."""

from __future__ import annotations

import ast
from typing import Any

import torch

from engine.snippets.safety import raised_at
from engine.snippets.values import Pending, Ref, Value

_OPS = {("min", "max"): "clamp_tensors", ("min",): "clamp_min_tensor",
        ("max",): "clamp_max_tensor"}


def _plain_number(node: ast.expr) -> bool:
    """A bound written as a number (`0`, `-1.5`, None): read as the clamp op's param."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        node = node.operand
    return isinstance(node, ast.Constant)


class ClampBounds:
    """Mixed into the torch call reader (engine/snippets/torchcalls.py)."""

    def expr(self, node: ast.expr) -> Value:
        raise NotImplementedError

    def plain(self, value: Value, where: ast.AST) -> Any:
        raise NotImplementedError

    def op_node(self, op: str, inputs: list[Value], params: dict[str, Any],
                node: ast.AST) -> Value:
        raise NotImplementedError

    def tensor_bounds(self, tensor: Value, args: list[ast.expr], node: ast.Call,
                      positional: tuple[str, ...], name: str, is_method: bool
                      ) -> Value | ast.Call:
        """The clamp of tensor bounds as its op node; else the call with each bound read
        once and written as the plain value it is, for the clamp op to take as params
        (`args`: the call's arguments after its tensor).
        `name`: the spelling torch is asked with (clamp, clip, clamp_min, clamp_max), as a
        tensor method or a torch function."""
        given = {**dict(zip(positional, args, strict=False)),
                 **{kw.arg: kw.value for kw in node.keywords if kw.arg in ("min", "max")}}
        if len(args) > len(positional) or all(_plain_number(e) for e in given.values()):
            return node
        values = {bound: self.expr(e) for bound, e in given.items()}
        tensors = {bound for bound, v in values.items() if isinstance(v, Pending | Ref)}
        if not tensors:
            plain = {bound: ast.copy_location(ast.Constant(self.plain(v, given[bound])),
                                              given[bound]) for bound, v in values.items()}
            before = node.args[:len(node.args) - len(args)]  # the tensor, in torch.clamp(x, ..)
            return ast.copy_location(ast.Call(
                func=node.func, args=[*before, *(plain.get(bound, a) for bound, a in
                                                 zip(positional, args, strict=False))],
                keywords=[ast.keyword(arg=kw.arg, value=plain[kw.arg]) if kw.arg in plain
                          else kw for kw in node.keywords]), node)
        self.ask_torch(values, tensors, node, positional, name, is_method)
        named = tuple(bound for bound in ("min", "max") if bound in tensors)
        return self.op_node(_OPS[named], [tensor, *(values[bound] for bound in named)], {}, node)

    def ask_torch(self, values: dict[str, Value], tensors: set[str], node: ast.Call,
                  positional: tuple[str, ...], name: str, is_method: bool) -> None:
        """torch's own TypeError where it takes no such mix (a tensor bound and a number),
        asked in the snippet's spelling: `torch.clamp(x, ...)` or `x.clamp(...)`."""
        stand_in = {bound: torch.zeros(1) if bound in tensors else self.plain(v, node)
                    for bound, v in values.items()}
        keywords = {kw.arg: stand_in[kw.arg] for kw in node.keywords if kw.arg in stand_in}
        by_position = [stand_in[bound] for bound in positional
                       if bound in stand_in and bound not in keywords]
        try:
            if is_method:
                getattr(torch.zeros(1), name)(*by_position, **keywords)
            else:
                getattr(torch, name)(torch.zeros(1), *by_position, **keywords)
        except TypeError as exc:
            raise raised_at(node, exc) from None
