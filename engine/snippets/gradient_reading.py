"""The body of a hook (`lambda g: g.clamp(-1, 1)`, a def of a few lines ending in return) or
of a custom Function's backward, read into a gradient expression (engine/grad_expression.py):
the function's own gradient argument becomes `g`, its local names are inlined, and every
name or attribute it reads from outside (a number, a mask tensor, `ctx.alpha`, a saved
tensor) is written out as the value it has when the hook is registered or the Function
applied. Only names and attributes are looked up that way, so reading adds nothing to the
document. What the expression may compute is checked by the engine's own whitelist, which
names what it refuses.
"""

from __future__ import annotations

import ast
import copy
import math
from collections.abc import Callable

import torch

from engine.dtypes import DTYPES
from engine.grad_expression import TORCH_FUNCTIONS, ExpressionError, validate
from engine.snippets.safety import error_at, short_text
from engine.snippets.tables import dtype_name
from engine.snippets.values import Number, Pending, Py, Ref, Value

# torch.nn.functional's functions that are torch's own of the same name
_FUNCTIONAL = ("relu", "sigmoid", "tanh")
_BUILTINS = {"abs": "abs"}  # abs(g) is torch.abs(g)

Resolve = Callable[[ast.expr], ast.expr]


class GradientReader(ast.NodeTransformer):
    """One function body → one expression tree. `own`: the function's names that are
    expressions already (its gradient argument → g); `resolve`: the literal (or saved-tensor
    name) of something it reads from outside; `module_path`: the reader's, for torch.X."""

    def __init__(self, what: str, own: dict[str, ast.expr], resolve: Resolve,
                 module_path: Callable[[ast.expr], str | None]) -> None:
        self.what, self.own, self.resolve, self.module_path = what, dict(own), resolve, \
            module_path

    def body(self, statements: list[ast.stmt]) -> ast.expr | None:
        """The returned expression (None when the body returns nothing: it only prints)."""
        for stmt in statements:
            if isinstance(stmt, ast.Return):
                return None if stmt.value is None else self.read(stmt.value)
            if isinstance(stmt, ast.Expr) and (isinstance(stmt.value, ast.Constant) or
                                               _prints(stmt.value)):
                continue  # a docstring, a print
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
                self.assign(stmt.targets[0], self.read(stmt.value), stmt)
                continue
            if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) and \
                    not _in_place(stmt.value):
                self.read(stmt.value)  # `grad_x.clamp(min=0)` alone: computed, then dropped
                continue
            if isinstance(stmt, ast.Pass):
                continue
            kind = type(stmt).__name__.lower()
            raise error_at(stmt, f"{self.what} is read as one expression of the gradient: "
                                 f"names assigned, then return; `{short_text(stmt)}` (a"
                                 f"{'n' if kind[0] in 'aeiou' else ''} {kind} statement) is "
                                 "not read there")
        return None

    def assign(self, target: ast.expr, value: ast.expr, stmt: ast.stmt) -> None:
        if isinstance(target, ast.Name):
            self.own[target.id] = value
            return
        if isinstance(target, ast.Tuple | ast.List) and all(
                isinstance(t, ast.Name) for t in target.elts) and isinstance(
                value, ast.Tuple) and len(value.elts) == len(target.elts):
            for name, item in zip(target.elts, value.elts, strict=True):
                assert isinstance(name, ast.Name)
                self.own[name.id] = item
            return
        if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name) and \
                target.value.id in self.own and _is_mask(target.slice) and \
                _is_number(value) and self.writable(target.value.id):
            # `grad_input[input < 0] = 0` (the tutorial's MyReLU): the places the mask picks
            # take the number, the rest keep theirs, as torch.where gives them
            self.own[target.value.id] = ast.Call(
                func=_torch_attr("where"), keywords=[],
                args=[self.read(target.slice), value, self.own[target.value.id]])
            return
        raise error_at(stmt, f"{self.what} assigns `{short_text(stmt)}`: only names are "
                             "assigned in a gradient expression's lines (and a number "
                             "written where a mask picks, `grad_x[x < 0] = 0`, into a copy)")

    def writable(self, name: str) -> bool:
        """A write through `name` changes that tensor alone: it holds a tensor of its own
        (a clone, an arithmetic result), not one another name may share."""
        held = self.own[name]
        if isinstance(held, ast.BinOp | ast.UnaryOp):
            return True
        return isinstance(held, ast.Call) and isinstance(held.func, ast.Attribute) and \
            held.func.attr in _FRESH

    def read(self, expr: ast.expr) -> ast.expr:
        out = self.visit(copy.deepcopy(expr))
        assert isinstance(out, ast.expr)
        return out

    def _outside(self, node: ast.expr) -> bool:
        return not any(isinstance(n, ast.Name) and n.id in self.own for n in ast.walk(node))

    def visit_Name(self, node: ast.Name) -> ast.AST:  # noqa: N802 - ast's own name
        if node.id in self.own:
            return copy.deepcopy(self.own[node.id])
        return self.resolve(node)

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:  # noqa: N802
        path = self.module_path(node)
        if path is not None and path.startswith("torch.") and path[6:] in DTYPES:
            return _torch_attr(path[6:])
        if self._outside(node):
            return self.resolve(node)
        raise error_at(node, f"{self.what} reads {short_text(node)}: an attribute of the "
                             "gradient is not part of a gradient expression")

    def visit_Subscript(self, node: ast.Subscript) -> ast.AST:  # noqa: N802
        if self._outside(node):
            return self.resolve(node)
        whole = self.own.get(node.value.id) if isinstance(node.value, ast.Name) else None
        if isinstance(whole, ast.Tuple) and isinstance(node.slice, ast.Constant) and \
                isinstance(node.slice.value, int) and \
                -len(whole.elts) <= node.slice.value < len(whole.elts):
            return copy.deepcopy(whole.elts[node.slice.value])  # grad_input[0]
        raise error_at(node, f"{self.what} indexes the gradient ({short_text(node)}): a "
                             "gradient expression computes on the whole tensor")

    def visit_ListComp(self, node: ast.ListComp) -> ast.AST:  # noqa: N802
        return self.unrolled(node, ast.List)

    def visit_GeneratorExp(self, node: ast.GeneratorExp) -> ast.AST:  # noqa: N802
        return self.unrolled(node, ast.Tuple)

    def unrolled(self, node: ast.ListComp | ast.GeneratorExp,
                 kind: type[ast.List] | type[ast.Tuple]) -> ast.AST:
        """`[torch.ones_like(gi) * 42. for gi in grad_inputs]` (the modules note's hook):
        one item per gradient the function is given, each an expression of its own."""
        gen = node.generators[0]
        given = self.own.get(gen.iter.id) if isinstance(gen.iter, ast.Name) else None
        if len(node.generators) != 1 or gen.ifs or not isinstance(gen.target, ast.Name) \
                or not isinstance(given, ast.Tuple | ast.List):
            raise error_at(node, f"{self.what} is read with a comprehension over the "
                                 "gradients it is given, one name and no if: "
                                 f"`{short_text(node)}` is not")
        name, before = gen.target.id, self.own.get(gen.target.id)
        items = []
        for item in given.elts:
            self.own[name] = item
            items.append(self.read(node.elt))
        if before is None:
            del self.own[name]
        else:
            self.own[name] = before
        return ast.copy_location(kind(items, ast.Load()), node)

    def visit_Call(self, node: ast.Call) -> ast.AST:  # noqa: N802
        func = node.func
        if isinstance(func, ast.Name) and func.id in ("tuple", "list") and self._outside(
                func) and len(node.args) == 1 and not node.keywords and isinstance(
                node.args[0], ast.ListComp | ast.GeneratorExp):  # tuple(g * 2 for g in gin)
            return self.unrolled(node.args[0], ast.Tuple if func.id == "tuple" else ast.List)
        path = self.module_path(func)
        shaped = _shape_of(node) if path in ("torch.zeros", "torch.ones") else None
        if shaped is not None:  # torch.zeros(g.shape): zeros_like(g) in the default dtype
            dtype = str(torch.get_default_dtype()).removeprefix("torch.")
            return ast.copy_location(ast.Call(
                func=_torch_attr(f"{str(path).removeprefix('torch.')}_like"),
                args=[self.read(shaped)],
                keywords=[ast.keyword(arg="dtype", value=_torch_attr(dtype))]), node)
        if path is not None:
            name = path.removeprefix("torch.").removeprefix("nn.functional.")
            if not path.startswith("torch.") or name not in TORCH_FUNCTIONS or (
                    path.startswith("torch.nn.functional.") and name not in _FUNCTIONAL):
                raise error_at(node, f"{self.what} calls {path} (not among the torch "
                                     "operations a gradient expression may use)")
            func = _torch_attr(name)
        elif isinstance(func, ast.Name) and func.id in _BUILTINS and self._outside(func):
            func = _torch_attr(_BUILTINS[func.id])
        elif isinstance(func, ast.Attribute):
            func = ast.Attribute(value=self.read(func.value), attr=func.attr, ctx=ast.Load())
        else:
            raise error_at(node, f"{self.what} calls {short_text(func)}(...): a gradient "
                                 "expression calls torch functions and tensor methods only")
        return ast.copy_location(ast.Call(
            func=func, args=[self.read(a) for a in node.args],
            keywords=[ast.keyword(arg=k.arg, value=self.read(k.value)) for k in node.keywords]),
            node)


def checked(what: str, tree: ast.expr, names: tuple[str, ...]) -> str:
    """The expression's text, once the engine's whitelist accepts it."""
    try:
        validate(tree, names)
    except ExpressionError as exc:
        where = exc.node if exc.node is not None and hasattr(exc.node, "lineno") else tree
        raise error_at(where, f"{what} uses {exc}, which Gradflow does not apply to a "
                              "gradient") from None
    return ast.unparse(tree)


def literal(value: Value, where: ast.AST, what: str, concrete: Callable[[Value], torch.Tensor],
            tensor: Callable[[Value], ast.expr | None] | None = None) -> ast.expr:
    """The written-out form of a value a gradient expression reads from outside
    (`concrete`: the reader's tensor of a Pending or Ref). `tensor`: a name for some tensors
    instead (a Function's saved input or output)."""
    if isinstance(value, Number) or isinstance(value, Py) and isinstance(
            value.value, int | float | bool) or isinstance(value, Py) and value.value is None:
        number = value.value
        if isinstance(number, float) and math.isnan(number):
            raise error_at(where, f"{what} reads {short_text(where)}, which is nan: write it "
                                  "as float('nan') in a tensor")
        return ast.copy_location(ast.Constant(number), where)
    if isinstance(value, Py) and isinstance(value.value, torch.dtype):
        return _torch_attr(dtype_name(value.value))
    if isinstance(value, Py) and isinstance(value.value, list | tuple):
        items = [literal(v if isinstance(v, Number | Py | Pending | Ref) else Py(v), where,
                         what, concrete, tensor) for v in value.value]
        made: ast.expr = ast.List(items, ast.Load()) if isinstance(value.value, list) \
            else ast.Tuple(items, ast.Load())
        return ast.copy_location(made, where)
    if isinstance(value, Pending | Ref) or isinstance(value, Py) and isinstance(
            value.value, torch.Tensor):
        named = tensor(value) if tensor is not None else None
        if named is not None:
            return named
        return tensor_literal(value.value if isinstance(value, Py) else concrete(value), where)
    raise error_at(where, f"{what} reads {short_text(where)}, a "
                          f"{type(getattr(value, 'value', value)).__name__}: a gradient "
                          "expression reads numbers and tensors")


def tensor_literal(t: torch.Tensor, where: ast.AST) -> ast.expr:
    """torch.tensor([...], dtype=torch.<dtype>): the numbers exactly (a float's repr reads
    back to the same float, in every dtype torch rounds it to)."""
    numbers = _numbers_text(t.detach().cpu().tolist())
    text = f"torch.tensor({numbers}, dtype=torch.{dtype_name(t.dtype)})"
    made = ast.parse(text, mode="eval").body
    return ast.copy_location(made, where)


def _numbers_text(value: object) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_numbers_text(v) for v in value) + "]"
    if isinstance(value, float) and not math.isfinite(value):
        return f"float('{value}')"
    return repr(value)


# the calls whose result is a new tensor with memory of its own
_FRESH = frozenset({"clone", "where", "zeros_like", "ones_like", "full_like"})


def _shape_of(call: ast.Call) -> ast.expr | None:
    """t of `torch.zeros(t.shape)` or `torch.ones(t.size())`: a tensor of t's shape."""
    if len(call.args) != 1 or call.keywords:
        return None
    arg = call.args[0]
    if isinstance(arg, ast.Attribute) and arg.attr == "shape":
        return arg.value
    if isinstance(arg, ast.Call) and isinstance(arg.func, ast.Attribute) and \
            arg.func.attr == "size" and not arg.args and not arg.keywords:
        return arg.func.value
    return None


def _in_place(call: ast.Call) -> bool:
    """`g.clamp_(0)`, `g.mul_(2)`: a method that changes its tensor (not `__init__`)."""
    return isinstance(call.func, ast.Attribute) and call.func.attr.endswith("_") and \
        not call.func.attr.endswith("__")


def _is_mask(node: ast.expr) -> bool:
    """A comparison (`x < 0`), or masks combined with &, | and ~."""
    if isinstance(node, ast.Compare):
        return True
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitAnd | ast.BitOr):
        return _is_mask(node.left) and _is_mask(node.right)
    return isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Invert) and \
        _is_mask(node.operand)


def _is_number(node: ast.expr) -> bool:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        node = node.operand
    return isinstance(node, ast.Constant) and isinstance(node.value, int | float) and \
        not isinstance(node.value, bool)


def _torch_attr(name: str) -> ast.Attribute:
    return ast.Attribute(value=ast.Name(id="torch", ctx=ast.Load()), attr=name, ctx=ast.Load())


def _prints(node: ast.expr) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
        node.func.id == "print"


__all__ = ["GradientReader", "checked", "literal", "tensor_literal"]
