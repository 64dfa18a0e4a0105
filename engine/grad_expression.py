"""A gradient expression: what a hook (`lambda g: g.clamp(-1, 1)`) or a custom Function's
backward (`return -ctx.alpha * grad_output`) returns, kept as data in a node's params.

It is stored as text in a small subset of Python: the gradient `g` (and, for a Function's
backward, its saved `input` and `output`), numbers, tensors written out as
`torch.tensor([...], dtype=torch.float32)`, arithmetic, comparisons and a whitelist of
torch functions and tensor methods. The text is parsed with `ast` and walked here, node by
node, calling torch itself: never eval/exec/compile. Anything outside the whitelist is
refused with a message naming it.

No torch import at module level: the op registry validates params (engine/op_params.py)
before torch loads; `evaluate` imports it on first call.
"""

from __future__ import annotations

import ast
import functools
import operator
from collections.abc import Callable
from typing import Any

from engine.dtypes import DTYPES
from engine.limits import HOOK_EXPRESSION_CHARACTERS

GRADIENT = "g"
HOOK_NAMES = (GRADIENT,)
FUNCTION_NAMES = (GRADIENT, "input", "output")  # a Function's backward: what it saved

# torch.<name>(...) and <tensor>.<name>(...): functions that compute a new tensor from
# tensors and numbers (none works in place, none reaches outside torch)
_ELEMENTWISE = ("abs", "sign", "sgn", "neg", "exp", "log", "sqrt", "rsqrt", "tanh",
                "sigmoid", "relu", "sin", "cos", "square", "round", "floor", "ceil", "trunc",
                "reciprocal", "clamp", "clip", "clamp_min", "clamp_max", "nan_to_num",
                "maximum", "minimum", "where", "mul", "div", "add", "sub", "pow", "heaviside",
                "norm", "sum", "mean", "std", "var", "amax", "amin", "logical_not",
                "logical_and", "logical_or", "isfinite", "signbit", "outer", "matmul")
TORCH_FUNCTIONS = frozenset((*_ELEMENTWISE, "zeros_like", "ones_like", "full_like",
                             "tensor"))
METHODS = frozenset((*_ELEMENTWISE, "float", "double", "half", "to", "detach", "clone",
                     "type_as", "view_as", "reshape_as", "expand_as", "t", "flatten"))
KEYWORDS = frozenset(("min", "max", "dim", "keepdim", "p", "dtype", "alpha", "nan", "posinf",
                      "neginf", "fill_value", "exponent", "other", "input", "unbiased",
                      "correction", "decimals"))
_BINARY: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.Div: operator.truediv, ast.Pow: operator.pow, ast.MatMult: operator.matmul,
    ast.BitAnd: operator.and_, ast.BitOr: operator.or_}
_UNARY: dict[type, Callable[[Any], Any]] = {
    ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Invert: operator.invert}
_COMPARE: dict[type, Callable[[Any, Any], Any]] = {
    ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge,
    ast.Eq: operator.eq, ast.NotEq: operator.ne}
_SYMBOLS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**",
            ast.MatMult: "@", ast.BitAnd: "&", ast.BitOr: "|", ast.FloorDiv: "//",
            ast.Mod: "%", ast.LShift: "<<", ast.RShift: ">>", ast.BitXor: "^",
            ast.Not: "not", ast.Is: "is", ast.IsNot: "is not", ast.In: "in",
            ast.NotIn: "not in", ast.And: "and", ast.Or: "or"}


_LARGEST_EXPONENT = 4096


class ExpressionError(ValueError):
    """A construct outside the whitelist; `node` is where it is (its own line and column)."""

    def __init__(self, message: str, node: ast.AST | None = None) -> None:
        super().__init__(message)
        self.node = node


def _construct(node: ast.AST) -> str:
    text = ast.unparse(node)
    return text if len(text) <= 60 else text[:57] + "..."


def _is_dtype(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and \
        node.value.id == "torch" and node.attr in DTYPES


def _numbers(node: ast.expr) -> bool:
    """A literal of nested lists of numbers (a tensor's numbers)."""
    if isinstance(node, ast.List | ast.Tuple):
        return all(_numbers(e) for e in node.elts)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return _numbers(node.operand)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
            node.func.id == "float" and len(node.args) == 1 and not node.keywords:
        arg = node.args[0]  # float('nan'), float('inf'), float('-inf')
        return isinstance(arg, ast.Constant) and arg.value in ("nan", "inf", "-inf")
    return isinstance(node, ast.Constant) and isinstance(node.value, int | float | bool)


def validate(tree: ast.expr, names: tuple[str, ...] = HOOK_NAMES) -> None:
    """Raise ExpressionError naming the first construct outside the whitelist."""
    def check(node: ast.AST) -> None:
        if isinstance(node, ast.Name):
            if node.id not in names:
                raise ExpressionError(f"the name {node.id} (a gradient expression reads "
                                      f"{', '.join(names)}, numbers and written-out tensors)",
                                      node)
            return
        if isinstance(node, ast.Constant):
            if node.value is not None and not isinstance(node.value, int | float | bool):
                raise ExpressionError(f"the constant {_construct(node)}", node)
            return
        if isinstance(node, ast.BinOp | ast.UnaryOp):
            if type(node.op) not in _BINARY and type(node.op) not in _UNARY:
                raise ExpressionError(f"the operator {_SYMBOLS.get(type(node.op), '?')} in "
                                      f"{_construct(node)}", node)
            for child in (node.left, node.right) if isinstance(node, ast.BinOp) \
                    else (node.operand,):
                check(child)
            return
        if isinstance(node, ast.Compare):
            if len(node.ops) != 1 or type(node.ops[0]) not in _COMPARE:
                raise ExpressionError(f"the comparison {_construct(node)} (one <, <=, >, >=, "
                                      "== or != at a time)", node)
            check(node.left)
            check(node.comparators[0])
            return
        if isinstance(node, ast.List | ast.Tuple):
            for element in node.elts:
                check(element)
            return
        if isinstance(node, ast.Call):
            check_call(node)
            return
        if _is_dtype(node):
            return
        raise ExpressionError(f"{_construct(node)} ({type(node).__name__.lower()})", node)

    def check_call(node: ast.Call) -> None:
        func = node.func
        if not isinstance(func, ast.Attribute):
            raise ExpressionError(f"the call {_construct(node)}", node)
        is_torch = isinstance(func.value, ast.Name) and func.value.id == "torch"
        if is_torch and func.attr == "tensor":
            if len(node.args) != 1 or not _numbers(node.args[0]) or any(
                    k.arg != "dtype" or not _is_dtype(k.value) for k in node.keywords):
                raise ExpressionError(f"{_construct(node)}: a tensor in a gradient "
                                      "expression is written out as torch.tensor([numbers], "
                                      "dtype=torch.<dtype>)", node)
            return
        if is_torch and func.attr not in TORCH_FUNCTIONS or not is_torch and \
                func.attr not in METHODS:
            what = f"torch.{func.attr}" if is_torch else f".{func.attr}()"
            raise ExpressionError(f"{what} (not among the torch operations a gradient "
                                  "expression may use)", node)
        if not is_torch:
            check(func.value)
        for arg in node.args:
            check(arg)
        for keyword in node.keywords:
            if keyword.arg not in KEYWORDS:
                raise ExpressionError(f"the keyword {keyword.arg or '**'}= in "
                                      f"{_construct(node)}", node)
            check(keyword.value)

    check(tree)


@functools.lru_cache(maxsize=256)
def parse(text: str, names: tuple[str, ...] = HOOK_NAMES) -> ast.expr:
    """The checked tree of `text`; ExpressionError saying what is wrong otherwise."""
    if HOOK_EXPRESSION_CHARACTERS.exceeded(len(text)):
        raise ExpressionError(f"a text {HOOK_EXPRESSION_CHARACTERS.message(len(text))}")
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError as exc:
        raise ExpressionError(f"text that is not one expression ({exc.msg})") from None
    validate(tree, names)
    return tree


def check_text(text: str, names: tuple[str, ...] = HOOK_NAMES) -> str:
    """`text` in its canonical form, or ExpressionError."""
    return ast.unparse(parse(text, names))


def formula(text: str, names: dict[str, str]) -> str:
    """The expression with each name replaced by `names[name]` (explain's placeholders)."""
    tree = parse(text, tuple(sorted(names)))
    marks = {name: f"\x00{index}\x00" for index, name in enumerate(names)}

    class _Mark(ast.NodeTransformer):
        def visit_Name(self, node: ast.Name) -> ast.AST:  # noqa: N802 - ast's own name
            return ast.Name(id=marks.get(node.id, node.id), ctx=ast.Load())  # torch stays

    out = ast.unparse(_Mark().visit(ast.parse(ast.unparse(tree), mode="eval")))
    for name, mark in marks.items():
        out = out.replace(mark, names[name])
    return out


def names_used(text: str, names: tuple[str, ...]) -> set[str]:
    return {n.id for n in ast.walk(parse(text, names)) if isinstance(n, ast.Name)}


def evaluate(text: str, values: dict[str, Any]) -> Any:
    """The expression computed by torch on `values` (name → tensor)."""
    import torch  # deferred: see the module docstring

    def value(node: ast.AST) -> Any:
        if isinstance(node, ast.Name):
            return values[node.id]
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.BinOp):
            left, right = value(node.left), value(node.right)
            if isinstance(node.op, ast.Pow) and isinstance(left, int) and \
                    isinstance(right, int) and abs(right) > _LARGEST_EXPONENT:
                # Python would compute the whole integer first (9 ** 9 ** 9 takes minutes)
                raise ValueError(f"{_construct(node)}: a power of integers past the "
                                 f"exponent {_LARGEST_EXPONENT}")
            return _BINARY[type(node.op)](left, right)
        if isinstance(node, ast.UnaryOp):
            return _UNARY[type(node.op)](value(node.operand))
        if isinstance(node, ast.Compare):
            return _COMPARE[type(node.ops[0])](value(node.left), value(node.comparators[0]))
        if isinstance(node, ast.List):
            return [value(e) for e in node.elts]
        if isinstance(node, ast.Tuple):
            return tuple(value(e) for e in node.elts)
        if _is_dtype(node):
            assert isinstance(node, ast.Attribute)
            return getattr(torch, node.attr)
        assert isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
        func = node.func
        if isinstance(func.value, ast.Name) and func.value.id == "torch":
            target = getattr(torch, func.attr)
            if func.attr == "tensor":
                return target(_literal(node.args[0]), **{k.arg: value(k.value)
                                                          for k in node.keywords if k.arg})
        else:
            receiver = value(func.value)
            if not isinstance(receiver, torch.Tensor):
                raise TypeError(f"{_construct(func)}: {type(receiver).__name__} has no "
                                f"method {func.attr}")
            target = getattr(receiver, func.attr)
        return target(*(value(a) for a in node.args),
                      **{k.arg: value(k.value) for k in node.keywords if k.arg})

    names = tuple(sorted(values))
    return value(parse(text, names))


def _literal(node: ast.expr) -> Any:
    if isinstance(node, ast.List | ast.Tuple):
        return [_literal(e) for e in node.elts]
    if isinstance(node, ast.UnaryOp):
        return -_literal(node.operand)
    if isinstance(node, ast.Call):
        arg = node.args[0]
        assert isinstance(arg, ast.Constant) and isinstance(arg.value, str)
        return float(arg.value)
    assert isinstance(node, ast.Constant)
    return node.value


__all__ = ["FUNCTION_NAMES", "HOOK_NAMES", "ExpressionError", "check_text", "evaluate",
           "formula", "parse", "validate"]
