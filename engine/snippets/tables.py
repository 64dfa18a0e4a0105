"""What the snippet importer understands: torch spellings of the registry's ops, dtypes, and
the tensor-creation functions it evaluates with real torch.

Creation calls (`torch.rand(3)`) are evaluated here, with arguments the importer has already
reduced to literal numbers, so the document holds exactly the numbers torch would make.
"""

from __future__ import annotations

import ast
import math
import operator
import warnings
from typing import Any

import torch

from engine.dtypes import DTYPES, TORCH_SPELLINGS, torch_dtype
from engine.limits import NUMBER_DIGITS
from engine.literal import MAX_ELEMENTS, LiteralError, Nested, check_rectangular
from engine.loss_ops import FUNCTIONAL_POSITIONAL, LOSS_NAMES
from engine.more_ops import ACTIVATIONS as MORE_ACTIVATIONS
from engine.more_ops import LINALG
from engine.ops import OPS
from engine.science_ops import NOT_METHODS as SCIENCE_NOT_METHODS
from engine.science_ops import NOT_TORCH_LEVEL as SCIENCE_NOT_TORCH_LEVEL
from engine.science_ops import POSITIONAL as SCIENCE_POSITIONAL
from engine.science_ops import SPELLINGS as SCIENCE_SPELLINGS
from engine.snippets.safety import error_at, raised_at

# torch spelling → registry dtype name (torch.half → "float16")
DTYPE_NAMES = TORCH_SPELLINGS
# Python's own types as a dtype: torch reads float as float64 (not torch.float, float32)
PYTHON_DTYPES = {"float": "float64", "int": "int64", "bool": "bool"}
TORCH_DTYPES: dict[str, torch.dtype] = {name: torch_dtype(name) for name in DTYPES}
# how a refusal of another dtype names the ones Gradflow reads
DTYPES_TEXT = ", ".join(DTYPES[:-1]) + " or " + DTYPES[-1]

_LOSSES = ("mse_loss", "binary_cross_entropy_with_logits", "cross_entropy", "l1_loss",
           "binary_cross_entropy", "nll_loss", "smooth_l1_loss", "huber_loss", "kl_div",
           "margin_ranking_loss", "poisson_nll_loss", *LOSS_NAMES)
_ACTIVATIONS = ("leaky_relu", "elu", "softplus", "gelu", "hardtanh", "relu6",
                *MORE_ACTIVATIONS)  # F.<name> only
# F.<name> and torch.<name> alike, never a tensor method (no x.cosine_similarity)
_FUNCTIONS_ONLY = ("cosine_similarity",)
# F.<name> with arguments the registry does not hold (mode=): read by functionals.py
READ_APART = ("pad", "layer_norm", "einsum")
_NOT_TORCH_LEVEL = (*_LOSSES, *_ACTIVATIONS, *_FUNCTIONS_ONLY, *READ_APART, "leaf", "constant",
                    "linear", "index", "to", "grad_hook", "custom_backward", "setitem", "cat",
                    "where", "overwritten", *SCIENCE_NOT_TORCH_LEVEL)

_METHOD_ONLY = ("expand", "repeat", "contiguous")  # x.expand(2, 3); no torch.expand

# `torch.<name>(...)` → registry op
# torch's other names of an op, as function and as method (numpy's arctan, the old ger)
_OTHER_NAMES = {"ger": "outer", "arctan": "atan", "arcsin": "asin", "arccos": "acos",
                "arccosh": "acosh", "arcsinh": "asinh", "arctanh": "atanh", "arctan2": "atan2"}
TORCH_FUNCTIONS: dict[str, str] = {
    **{name: name for name in OPS if name not in (*_NOT_TORCH_LEVEL, *_METHOD_ONLY)},
    "mm": "matmul", "mv": "matmul", "dot": "matmul", "subtract": "sub", "multiply": "mul",
    "divide": "div", "true_divide": "div", "negative": "neg", "clip": "clamp", "bmm": "matmul",
    **_OTHER_NAMES,
    "clamp_min": "clamp", "clamp_max": "clamp",
    **{name: name for name in _FUNCTIONS_ONLY}, **LINALG,
    **SCIENCE_SPELLINGS,  # torch.linalg.solve, torch.trapz, torch.special.expit...
}
# `F.<name>(...)`, `nn.functional.<name>`, `torch.nn.functional.<name>`
FUNCTIONAL: dict[str, str] = {
    **{name: name for name in _LOSSES},
    **{name: name for name in ("relu", "sigmoid", "tanh", "softmax", "log_softmax",
                               "linear", *_ACTIVATIONS, *_FUNCTIONS_ONLY)},
}
# `x.<name>(...)`
METHODS: dict[str, str] = {
    **{name: name for name in OPS if name not in (*_NOT_TORCH_LEVEL, *SCIENCE_NOT_METHODS)},
    "mm": "matmul", "mv": "matmul", "dot": "matmul", "view": "reshape", "t": "transpose",
    "subtract": "sub", "multiply": "mul", "divide": "div", "true_divide": "div",
    "negative": "neg", "flatten": "reshape", "clip": "clamp", "expand_as": "expand",
    **_OTHER_NAMES,
    "clamp_min": "clamp", "clamp_max": "clamp",
    "resize": "reshape",  # torch's deprecated non-inplace resize: to as many elements, a view
}
# clamp_min(x, m) is clamp(x, min=m): torch computes both (and their backward) alike
ONE_BOUND = {"clamp_min": "min", "clamp_max": "max"}
# Ops whose params may be given by position after the tensor inputs, in this order. Losses
# take keywords only: their third positional argument is the deprecated size_average.
POSITIONAL_PARAMS: dict[str, tuple[str, ...]] = {
    "sum": ("dim", "keepdim"), "mean": ("dim", "keepdim"), "softmax": ("dim",),
    "log_softmax": ("dim",), "transpose": ("dim0", "dim1"), "reshape": ("shape",),
    "clamp": ("min", "max"), "norm": ("p", "dim", "keepdim"), "amax": ("dim", "keepdim"),
    "amin": ("dim", "keepdim"), "leaky_relu": ("negative_slope",), "elu": ("alpha",),
    "softplus": ("beta", "threshold"), "var": ("dim",), "std": ("dim",),
    "prod": ("dim", "keepdim"), "logsumexp": ("dim", "keepdim"), "cumsum": ("dim",),
    "cumprod": ("dim",),
    "diag": ("diagonal",), "diagflat": ("offset",), "tril": ("diagonal",), "triu": ("diagonal",),
    "cosine_similarity": ("dim", "eps"), "hardtanh": ("min_val", "max_val"), "celu": ("alpha",),
    "cdist": ("p",), "flip": ("dims",), **SCIENCE_POSITIONAL,
    **FUNCTIONAL_POSITIONAL,  # the losses of engine/loss_ops.py whose options come first
}

# The numpy spellings torch also takes: x.sum(axis=0, keepdims=True) (d2l writes them).
KEYWORD_ALIASES = {"keepdims": "keepdim", "axis": "dim"}

CREATION = ("tensor", "Tensor", "ones", "zeros", "full", "arange", "linspace", "eye",
            "ones_like", "zeros_like", "rand", "randn", "rand_like", "randn_like", "empty",
            "range")


_FOLD = {"add": operator.add, "sub": operator.sub, "mul": operator.mul,
         "div": operator.truediv, "pow": operator.pow, "floordiv": operator.floordiv,
         "mod": operator.mod}


_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def number_name(value: int | float | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int) and -10 <= value <= 10:
        return _WORDS[abs(value)] if value >= 0 else f"minus_{_WORDS[-value]}"
    text = repr(value).replace(".", "_").replace("-", "minus_").replace("+", "")
    return "c" + text if text[0].isdigit() else "c_" + text


class CreationError(ValueError):
    """A creation call whose arguments torch would refuse or that is too large."""


def _count(shape: tuple[int, ...]) -> int:
    count = 1
    for n in shape:
        if n < 0:
            raise CreationError(f"negative size {n} in the shape {list(shape)}")
        count *= n
    if count > MAX_ELEMENTS:
        raise CreationError(f"{count} elements is over the limit of {MAX_ELEMENTS}")
    return count


def _shape(args: list[Any], kwargs: dict[str, Any], fn: str) -> tuple[int, ...]:
    """torch.ones(2, 3), torch.ones((2, 3)), torch.ones(size=[2, 3])."""
    raw: Any = kwargs.pop("size", None)
    if raw is None:
        raw = args[0] if len(args) == 1 and isinstance(args[0], list) else args
    if not isinstance(raw, list) or not all(isinstance(n, int) and not isinstance(n, bool)
                                            for n in raw):
        raise CreationError(f"torch.{fn} needs whole-number sizes, e.g. torch.{fn}(2, 3)")
    shape = tuple(raw)
    _count(shape)
    return shape


def _options(kwargs: dict[str, Any], fn: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "dtype" in kwargs:
        out["dtype"] = TORCH_DTYPES[kwargs.pop("dtype")]
    if kwargs:
        raise CreationError(f"torch.{fn} does not take {sorted(kwargs)[0]}= here; "
                            "use dtype= and requires_grad= only")
    return out


def create(fn: str, args: list[Any], kwargs: dict[str, Any], like: torch.Tensor | None,
           generator: torch.Generator) -> torch.Tensor:
    """Evaluate one creation call on literal arguments. `like`: the *_like function's tensor
    (a meta tensor is enough); `generator`: the snippet's seeded random generator."""
    kwargs = dict(kwargs)
    if fn in ("ones_like", "zeros_like", "rand_like", "randn_like"):
        assert like is not None
        if args:
            raise CreationError(f"torch.{fn} takes only the tensor, dtype= and requires_grad=")
        opts = _options(kwargs, fn)
        base = fn.removesuffix("_like")
        dtype = opts.get("dtype", like.dtype)
        if base in ("rand", "randn"):
            return getattr(torch, base)(tuple(like.shape), dtype=dtype, generator=generator)
        return getattr(torch, base)(tuple(like.shape), dtype=dtype)
    if fn == "empty":  # its numbers are whatever memory held: zeros are as good as any
        return torch.zeros(_shape(args, kwargs, fn), **_options(kwargs, fn))
    if fn in ("ones", "zeros", "rand", "randn"):
        shape = _shape(args, kwargs, fn)
        opts = _options(kwargs, fn)
        if fn in ("rand", "randn"):
            opts["generator"] = generator
        return getattr(torch, fn)(shape, **opts)
    if fn == "full":
        fill = kwargs.pop("fill_value", args[1] if len(args) > 1 else None)
        if len(args) not in (1, 2) or not isinstance(fill, int | float):
            raise CreationError("torch.full needs a shape and a number: torch.full((2, 3), 0.5)")
        shape = _shape([args[0]], kwargs, fn)
        return torch.full(shape, fill, **_options(kwargs, fn))
    if fn == "arange":
        return _arange(args, kwargs)
    if fn == "range":  # torch 0.x's, kept deprecated: the end included, floats by default
        if not 2 <= len(args) <= 3 or not all(isinstance(a, int | float) for a in args) or \
                len(args) == 3 and args[2] == 0:
            raise CreationError("torch.range needs start, end and a step that is not 0: "
                                "torch.range(1, 4)")
        _count((max(0, math.floor((args[1] - args[0]) / (args[2] if len(args) == 3 else 1))
                    + 1),))
        with warnings.catch_warnings():  # its deprecation warning, which the script prints
            warnings.simplefilter("ignore")
            return torch.range(*args, **_options(kwargs, fn))
    if fn == "linspace":
        args = list(args)
        for place, key in enumerate(("start", "end", "steps")):  # by name, in their places
            if key in kwargs and len(args) == place:
                args.append(kwargs.pop(key))
        if len(args) != 3 or not all(isinstance(a, int | float) for a in args):
            raise CreationError("torch.linspace needs start, end and steps: "
                                "torch.linspace(0, 1, 5)")
        _count((int(args[2]),))
        return torch.linspace(args[0], args[1], int(args[2]), **_options(kwargs, fn))
    if fn == "eye":
        if not 1 <= len(args) <= 2 or not all(isinstance(a, int) for a in args):
            raise CreationError("torch.eye needs one or two whole numbers: torch.eye(3)")
        _count((args[0], args[-1]))
        return torch.eye(*args, **_options(kwargs, fn))
    raise CreationError(f"torch.{fn} is not supported")


def _arange(args: list[Any], kwargs: dict[str, Any]) -> torch.Tensor:
    named = {k: kwargs.pop(k) for k in ("start", "end", "step") if k in kwargs}
    if named:  # torch.arange(0, 10, step=0.5), arange(start=1, end=4): as torch places them
        try:
            torch.arange(*args, **named, device="meta")  # torch's check; nothing computed
        except TypeError as exc:
            raise CreationError(str(exc).split("\n")[0]) from None
        if "end" in named:  # arange(end=5), arange(1, end=5), arange(start=1, end=5, step=2)
            args = [named.get("start", args[0] if args else 0), named["end"],
                    named.get("step", args[1] if len(args) > 1 else 1)]
        else:  # arange(0, 10, step=0.5)
            args = [*args[:2], named.get("step", 1)]
    if not 1 <= len(args) <= 3 or not all(isinstance(a, int | float) for a in args):
        raise CreationError("torch.arange needs one to three numbers: torch.arange(0, 5)")
    start, end, step = (0, args[0], 1) if len(args) == 1 else (*args[:2], 1)
    if len(args) == 3:
        step = args[2]
    if step == 0:
        raise CreationError("torch.arange needs a step that is not 0")
    _count((max(0, math.ceil((end - start) / step)),))
    return torch.arange(start, end, step, **_options(kwargs, "arange"))


def dtype_name(dtype: torch.dtype) -> str:
    for name, value in TORCH_DTYPES.items():
        if value == dtype:
            return name
    raise CreationError(f"the dtype {str(dtype).replace('torch.', '')} is not supported; "
                        f"use {DTYPES_TEXT}")


def read_literal(node: ast.expr) -> Any:
    """A number, string, None, or nested list of numbers written out in the code."""
    if isinstance(node, ast.Constant) and (node.value is None or isinstance(
            node.value, bool | int | float | str)):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        inner = read_literal(node.operand)
        if isinstance(inner, bool | int | float) and not isinstance(inner, bool):
            return -inner if isinstance(node.op, ast.USub) else inner
    if isinstance(node, ast.List | ast.Tuple):
        return [read_literal(e) for e in node.elts]
    text = ast.unparse(node)
    raise error_at(node, f"{text if len(text) <= 40 else text[:37] + '...'} must be written "
                         "out as numbers here")


_BITS_PER_DIGIT = math.log2(10)


def too_many_digits(bits: float) -> bool:
    return NUMBER_DIGITS.exceeded(int(bits / _BITS_PER_DIGIT))


def _result_bits(op: str, a: Any, b: Any) -> float:
    """An upper bound on the size in bits of an integer result, found without computing it:
    `999999 ** 64` squared 16 times must be refused before Python spends hours on it."""
    if not (isinstance(a, int) and isinstance(b, int)):
        return 0.0
    bits_a, bits_b = max(abs(a).bit_length(), 1), max(abs(b).bit_length(), 1)
    if op == "mul":
        return bits_a + bits_b
    if op == "pow" and b > 0:
        return float(bits_a) * b if abs(a) > 1 else 1.0
    return float(max(bits_a, bits_b) + 1)


def fold(op: str, a: Any, b: Any, where: ast.AST) -> int | float | bool:
    if too_many_digits(_result_bits(op, a, b)):
        raise error_at(where, f"this arithmetic on plain numbers makes an integer too large: "
                              f"{NUMBER_DIGITS.message()}")
    fn = _FOLD.get(op)
    try:
        result = fn(a, b) if fn else None
    except (ZeroDivisionError, OverflowError, ValueError) as exc:
        raise raised_at(where, exc) from None  # Python's own error, at run time
    if not isinstance(result, int | float) or isinstance(result, complex):
        raise error_at(where, "this arithmetic on plain numbers is not supported")
    return result  # inf and nan as Python gives them (`best = float("inf")`, then best - 1e-4)


def tensor_literal(fn: str, value: Any, kwargs: dict[str, Any]) -> tuple[Nested, str]:
    if set(kwargs) - {"dtype"}:
        raise CreationError(f"write the numbers out, e.g. torch.{fn}([1.0, 2.0]), with "
                            "only dtype= and requires_grad=")
    if fn == "Tensor" and not isinstance(value, list):
        raise CreationError("torch.Tensor(n) makes uninitialised memory; "
                            "use torch.zeros(n) or torch.tensor([...])")
    try:
        check_rectangular(value, finite=False)  # torch.tensor([0.0, math.inf]) is a tensor
    except LiteralError as exc:
        raise CreationError(str(exc)) from None
    dtype = kwargs.get("dtype", "float32" if fn == "Tensor" else None)
    made = torch.tensor(value, dtype=TORCH_DTYPES[dtype] if dtype else None)
    return value, dtype_name(made.dtype)
