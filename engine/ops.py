"""The op registry: every operation a graph node can perform.

Metadata only — no torch import here, so the window can appear before torch is loaded.
`OpSpec.call` resolves the torch callable on first use.
"""

from __future__ import annotations

import operator as _operator
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# Kinds of node that hold a value instead of computing one.
LEAF = "leaf"
CONSTANT = "constant"
SOURCE_OPS = (LEAF, CONSTANT)

DTYPES = ("float32", "float64", "int64", "bool")
FLOAT_DTYPES = ("float32", "float64")
REDUCTIONS = ("mean", "sum", "none")


@dataclass(frozen=True)
class Param:
    """One keyword argument of an op.

    kind: "int", "float", "bool", "choice", "dims" (None, an int, or a tuple of ints),
    "shape" (a tuple of ints, -1 allowed once).
    """

    name: str
    kind: str
    default: Any
    choices: tuple[str, ...] = ()
    help: str = ""


@dataclass(frozen=True)
class OpSpec:
    name: str
    torch_name: str
    inputs: tuple[str, ...]
    symbol: str
    description: str
    category: str
    params: tuple[Param, ...] = ()
    # Attribute path resolved under torch on first call, e.g. "nn.functional.mse_loss".
    target: str = ""
    # Positional param names passed after the inputs (e.g. transpose's dim0, dim1).
    positional_params: tuple[str, ...] = field(default=())
    # The Python operator a snippet writes for this op (`a * b`). Used when an input is a
    # plain Python number: torch has a separate scalar path (`x ** 3` is not `x ** tensor(3)`
    # to the last bit), and `3 - x` only exists as an operator.
    operator: str = ""

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(f"{self.name} has no parameter {name!r}")

    def default_params(self) -> dict[str, Any]:
        return {p.name: p.default for p in self.params}

    def call(self, *inputs: Any, **params: Any) -> Any:
        """Run the op with real torch. Params missing from `params` take their defaults."""
        fn = _resolve(self.target or self.torch_name)
        if self.operator and any(isinstance(i, bool | int | float) for i in inputs):
            fn = getattr(_operator, self.operator)
        if not self.params:  # most ops: nothing to merge (a run calls this for every node)
            return fn(*inputs)
        merged = {**self.default_params(), **params}
        positional = [merged.pop(name) for name in self.positional_params]
        if merged.get("dim", 0) is None and not merged.get("keepdim", False):
            # x.sum() and x.sum(dim=None) build different autograd nodes (SumBackward0 vs 1);
            # call torch the way people write it, so the autograd view shows what they expect
            merged.pop("dim")
            merged.pop("keepdim", None)
        kwargs = {k: _to_torch_arg(self.param(k), v) for k, v in merged.items()}
        return fn(*inputs, *positional, **kwargs)


def _to_torch_arg(param: Param, value: Any) -> Any:
    if param.kind == "dims" and isinstance(value, list):
        return tuple(value)
    if param.kind == "shape":
        return tuple(value)
    return value


_resolved: dict[str, Callable[..., Any]] = {}


def _resolve(path: str) -> Callable[..., Any]:
    fn = _resolved.get(path)
    if fn is None:
        import torch  # deferred: see the module docstring

        obj: Any = torch
        for part in path.split("."):
            obj = getattr(obj, part)
        fn = _resolved[path] = obj
    return fn


def _dims(default: Any = None) -> Param:
    return Param("dim", "dims", default, help="dimension(s) to reduce; None = all")


_KEEPDIM = Param("keepdim", "bool", False, help="keep reduced dimensions with size 1")
_SOFTMAX_DIM = Param("dim", "int", -1, help="dimension the probabilities sum to 1 along")


def _reduction(default: str = "mean") -> Param:
    return Param("reduction", "choice", default, REDUCTIONS, "how per-element losses combine")


def _unary(name: str, symbol: str, description: str, category: str = "elementwise") -> OpSpec:
    return OpSpec(name, name, ("input",), symbol, description, category)


def _binary(name: str, symbol: str, description: str, operator: str,
            second: str = "other") -> OpSpec:
    return OpSpec(name, name, ("input", second), symbol, description, "arithmetic",
                  operator=operator)


# A constant that stands for a plain Python number in a snippet (`3` in `3 * x`): the runner
# passes the number itself, so torch takes exactly the path the snippet's operator takes.
NUMBER = "number"
_NUMBER = Param(NUMBER, "bool", False,
                help="pass as a plain Python number (as in x ** 3), not as a tensor")


_SPECS: list[OpSpec] = [
    OpSpec(LEAF, "tensor", (), "x", "a tensor you give; with requires_grad it gets a .grad",
           "inputs"),
    OpSpec(CONSTANT, "tensor", (), "c", "a fixed tensor that never receives a gradient",
           "inputs", (_NUMBER,)),
    _binary("add", "+", "elementwise sum a + b (broadcasts)", "add"),
    _binary("sub", "−", "elementwise difference a − b (broadcasts)", "sub"),
    _binary("mul", "×", "elementwise product a · b (broadcasts)", "mul"),
    _binary("div", "÷", "elementwise quotient a / b (broadcasts)", "truediv"),
    _binary("pow", "^", "elementwise power a ** b (broadcasts)", "pow", second="exponent"),
    _binary("matmul", "@", "matrix product a @ b", "matmul"),
    _unary("neg", "−x", "negation −x"),
    _unary("exp", "exp", "elementwise eˣ"),
    _unary("log", "log", "elementwise natural logarithm"),
    _unary("sin", "sin", "elementwise sine"),
    _unary("cos", "cos", "elementwise cosine"),
    _unary("tanh", "tanh", "elementwise hyperbolic tangent"),
    _unary("sigmoid", "σ", "elementwise logistic sigmoid 1 / (1 + e⁻ˣ)"),
    _unary("relu", "ReLU", "elementwise max(x, 0)"),
    _unary("sqrt", "√", "elementwise square root"),
    _unary("abs", "|x|", "elementwise absolute value"),
    _unary("square", "x²", "elementwise square"),
    OpSpec("sum", "sum", ("input",), "Σ", "sum of elements (over dim, or all)", "reductions",
           (_dims(), _KEEPDIM)),
    OpSpec("mean", "mean", ("input",), "μ", "mean of elements (over dim, or all)", "reductions",
           (_dims(), _KEEPDIM)),
    OpSpec("softmax", "softmax", ("input",), "softmax", "exp(x) / Σ exp(x) along dim",
           "elementwise", (_SOFTMAX_DIM,)),
    OpSpec("log_softmax", "log_softmax", ("input",), "log softmax",
           "log of softmax along dim, computed stably", "elementwise", (_SOFTMAX_DIM,)),
    OpSpec("reshape", "reshape", ("input",), "reshape", "same elements in a new shape", "shape",
           (Param("shape", "shape", (-1,), help="new shape; one -1 is inferred"),)),
    OpSpec("transpose", "transpose", ("input",), "ᵀ", "swap two dimensions", "shape",
           (Param("dim0", "int", 0), Param("dim1", "int", 1)),
           positional_params=("dim0", "dim1")),
    OpSpec("detach", "detach", ("input",), "detach",
           "same values, cut from the graph: no gradient flows back through it", "shape"),
    OpSpec("mse_loss", "mse_loss", ("input", "target"), "MSE", "mean squared error loss",
           "losses", (_reduction(),), target="nn.functional.mse_loss"),
    OpSpec("binary_cross_entropy_with_logits", "binary_cross_entropy_with_logits",
           ("input", "target"), "BCE", "binary cross-entropy on logits (multi-label)", "losses",
           (_reduction(),), target="nn.functional.binary_cross_entropy_with_logits"),
    OpSpec("cross_entropy", "cross_entropy", ("input", "target"), "CE",
           "cross-entropy of logits against class indices or probabilities", "losses",
           (_reduction(),), target="nn.functional.cross_entropy"),
]

OPS: dict[str, OpSpec] = {spec.name: spec for spec in _SPECS}
CATEGORIES = ("inputs", "arithmetic", "elementwise", "reductions", "shape", "losses")


def check_param(param: Param, value: Any) -> Any:
    """Return `value` normalised for `param`, or raise ValueError saying what is wrong."""
    def is_int(v: Any) -> bool:
        return isinstance(v, int) and not isinstance(v, bool)

    if param.kind == "int" and is_int(value):
        return value
    if param.kind == "float" and (is_int(value) or isinstance(value, float)):
        return float(value)
    if param.kind == "bool" and isinstance(value, bool):
        return value
    if param.kind == "choice" and value in param.choices:
        return value
    if param.kind == "dims":
        if value is None or is_int(value):
            return value
        if isinstance(value, list | tuple) and value and all(is_int(v) for v in value):
            return tuple(value)
    if param.kind == "shape" and isinstance(value, list | tuple) and all(is_int(v) for v in value):
        if sum(1 for v in value if v == -1) <= 1 and all(v >= -1 for v in value):
            return tuple(value)
    expected = {
        "int": "an integer", "float": "a number", "bool": "true or false",
        "choice": "one of " + ", ".join(param.choices),
        "dims": "None, an integer or a list of integers",
        "shape": "a list of integers (one -1 allowed)",
    }[param.kind]
    raise ValueError(f"{param.name} must be {expected}, not {value!r}")


def get_op(name: str) -> OpSpec:
    try:
        return OPS[name]
    except KeyError:
        raise KeyError(f"unknown op {name!r}") from None


def is_source(op: str) -> bool:
    return op in SOURCE_OPS
