"""More functions of the registry that learners' snippets use: activations (F.silu, nn.SiLU,
Mish, SELU, CELU, LogSigmoid, Softsign, Hardsigmoid, Hardswish, Tanhshrink), elementwise
functions (asinh, acosh, atanh, erfc, exp2, sinc, frac, lgamma, digamma, logit; atan2,
hypot, xlogy and heaviside of two tensors; cdist of two sets of rows), clamp with tensor
bounds and the determinant and inverse of a square matrix. Each is torch's own function, so torch's
backward is the one that runs. Here: the fields of their registry entries (engine/ops.py
makes the OpSpecs), their shape rule and their backward rule in words for the explain panel.
No torch import at module level, as in engine/ops.py."""

from __future__ import annotations

from typing import Any

from engine.op_params import Param

# F.<name> and nn.<Module>: name → (symbol, description, module class, params)
ACTIVATIONS: dict[str, tuple[str, str, str, tuple[Param, ...]]] = {
    "silu": ("SiLU", "elementwise x · σ(x), the swish activation", "SiLU", ()),
    "mish": ("Mish", "elementwise x · tanh(softplus(x))", "Mish", ()),
    "selu": ("SELU", "elementwise scale · (x if x > 0, else α(eˣ − 1)), torch's fixed "
             "scale and α", "SELU", ()),
    "celu": ("CELU", "elementwise x if x > 0, else α(e^(x/α) − 1)", "CELU",
             (Param("alpha", "float", 1.0, help="α: the level the negative side tends to"),)),
    "logsigmoid": ("log σ", "elementwise log σ(x) = −softplus(−x)", "LogSigmoid", ()),
    "softsign": ("softsign", "elementwise x / (1 + |x|)", "Softsign", ()),
    "hardsigmoid": ("hσ", "elementwise clamp(x/6 + ½, 0, 1), a piecewise-linear sigmoid",
                    "Hardsigmoid", ()),
    "hardswish": ("hswish", "elementwise x · hardsigmoid(x)", "Hardswish", ()),
    "tanhshrink": ("x−tanh", "elementwise x − tanh(x)", "Tanhshrink", ()),
}
# torch.<name>(x) and x.<name>(): name → (symbol, description)
ELEMENTWISE: dict[str, tuple[str, str]] = {
    "asinh": ("asinh", "elementwise inverse hyperbolic sine"),
    "acosh": ("acosh", "elementwise inverse hyperbolic cosine (x ≥ 1)"),
    "atanh": ("atanh", "elementwise inverse hyperbolic tangent (|x| < 1)"),
    "erfc": ("erfc", "elementwise 1 − erf(x)"),
    "exp2": ("2ˣ", "elementwise 2 to the power x"),
    "sinc": ("sinc", "elementwise sin(πx) / (πx), 1 at 0"),
    "frac": ("frac", "elementwise fractional part x − trunc(x); its gradient is 1"),
    "lgamma": ("lnΓ", "elementwise log |Γ(x)|"),
    "digamma": ("ψ", "elementwise digamma, the derivative of log Γ"),
    "logit": ("logit", "elementwise log(x / (1 − x)), the inverse of the sigmoid"),
}
# torch.<name>(a, b) and a.<name>(b), broadcasting as torch does
BINARY: dict[str, tuple[str, str]] = {
    "atan2": ("atan2", "elementwise angle of the point (other, input): atan(input / other) in "
              "the right quadrant"),
    "hypot": ("hypot", "elementwise √(input² + other²)"),
    "xlogy": ("x log y", "elementwise input · log(other), 0 where input is 0"),
    "heaviside": ("H", "elementwise step: 0 where input < 0, other where input is 0, 1 "
                  "above; torch has no derivative for it, so a backward through it raises"),
}
# torch.<name>(a, b, p=...) of two sets of rows: name → (symbol, description, params)
PAIRWISE: dict[str, tuple[str, str, tuple[Param, ...]]] = {
    "cdist": ("dist", "the p-norm distance between each row of input and each row of other "
              "(the last dim is the row's; earlier dims batch)",
              (Param("p", "float", 2.0, help="p of the p-norm distance"),)),
}
# torch.clamp(x, lo, hi), x.clamp(min=lo) with tensor bounds (a number bound is the clamp op's
# param): name → (inputs, symbol, description). torch's backward at the bounds is not that of
# torch.max/torch.min, which is why a learner compares them.
TENSOR_BOUNDS: dict[str, tuple[tuple[str, ...], str, str]] = {
    "clamp_tensors": (("input", "min", "max"), "clamp", "elementwise x limited to [min, max], "
                      "the bounds tensors that broadcast with x"),
    "clamp_min_tensor": (("input", "min"), "clamp≥", "elementwise x raised to at least min, a "
                         "tensor that broadcasts with x"),
    "clamp_max_tensor": (("input", "max"), "clamp≤", "elementwise x lowered to at most max, a "
                         "tensor that broadcasts with x"),
}
# torch.<name>(A) and A.<name>() of a square matrix (or a batch of them)
MATRIX: dict[str, tuple[str, str]] = {
    "det": ("det", "the determinant of a square matrix"),
    "inverse": ("A⁻¹", "the inverse of a square matrix (torch.linalg.inv)"),
    "logdet": ("log det", "the log of the determinant of a square matrix"),
}
NAMES = frozenset({*ACTIVATIONS, *ELEMENTWISE, *BINARY, *PAIRWISE, *TENSOR_BOUNDS, *MATRIX})
ACTIVATION_MODULES = {module: name for name, (_, _, module, _) in ACTIVATIONS.items()}
ACTIVATION_MODULE_OPTIONS = {module: tuple(p.name for p in params)
                             for _, (_, _, module, params) in ACTIVATIONS.items() if params}
# torch.linalg.<name> spellings of the matrix ops
LINALG = {"linalg.det": "det", "linalg.inv": "inverse"}

RULES: dict[str, dict[str, tuple[str, str]]] = {
    "silu": {"input": ("{g} · σ({a}) · (1 + {a} · (1 − σ({a})))", "d(a σ(a))/da = σ(a) + a "
                       "σ(a)(1 − σ(a))")},
    "mish": {"input": ("{g} · d(a tanh(softplus a))/da", "tanh(softplus a) + a sech²(softplus "
                       "a) σ(a)")},
    "selu": {"input": ("{g} · scale · (1 if {a} > 0 else α e^{a})", "the slope of each side, "
                       "times torch's scale")},
    "celu": {"input": ("{g} · (1 if {a} > 0 else e^({a}/α))", "the slope of each side")},
    "logsigmoid": {"input": ("{g} · (1 − σ({a}))", "d log σ(a)/da = 1 − σ(a)")},
    "softsign": {"input": ("{g} / (1 + |{a}|)²", "d(a / (1 + |a|))/da = 1 / (1 + |a|)²")},
    "hardsigmoid": {"input": ("{g} / 6 where −3 < {a} < 3, else 0", "the line's slope inside, "
                              "flat outside")},
    "hardswish": {"input": ("{g} · (2{a} + 3) / 6 where −3 < {a} < 3, 0 below, {g} above",
                            "the product rule on the middle piece")},
    "tanhshrink": {"input": ("{g} · tanh²({a})", "d(a − tanh a)/da = 1 − (1 − tanh² a)")},
    "asinh": {"input": ("{g} / √({a}² + 1)", "d(asinh a)/da = 1 / √(a² + 1)")},
    "acosh": {"input": ("{g} / √({a}² − 1)", "d(acosh a)/da = 1 / √(a² − 1)")},
    "atanh": {"input": ("{g} / (1 − {a}²)", "d(atanh a)/da = 1 / (1 − a²)")},
    "erfc": {"input": ("−{g} · 2/√π · exp(−{a}²)", "erfc's slope is minus erf's")},
    "exp2": {"input": ("{g} · {out} · ln 2", "d(2ᵃ)/da = 2ᵃ ln 2")},
    "sinc": {"input": ("{g} · (cos(πa) − sinc(a)) / a", "the quotient rule (0 at a = 0)")},
    "frac": {"input": ("{g}", "frac moves with a between its steps: torch gives 1")},
    "lgamma": {"input": ("{g} · ψ({a})", "d log Γ(a)/da = ψ(a), the digamma function")},
    "digamma": {"input": ("{g} · ψ′({a})", "the trigamma function ψ′(a)")},
    "logit": {"input": ("{g} / ({a} (1 − {a}))", "d log(a / (1 − a))/da = 1 / (a(1 − a))")},
    "atan2": {"input": ("{g} · {b} / ({a}² + {b}²)", "∂ atan2(a, b)/∂a = b / (a² + b²)"),
              "other": ("−{g} · {a} / ({a}² + {b}²)", "∂ atan2(a, b)/∂b = −a / (a² + b²)")},
    "hypot": {"input": ("{g} · {a} / {out}", "∂√(a² + b²)/∂a = a / √(a² + b²)"),
              "other": ("{g} · {b} / {out}", "∂√(a² + b²)/∂b = b / √(a² + b²)")},
    "xlogy": {"input": ("{g} · log({b})", "∂(a log b)/∂a = log b"),
              "other": ("{g} · {a} / {b}", "∂(a log b)/∂b = a / b")},
    "heaviside": {port: ("—", "torch raises: the derivative for 'heaviside' is not "
                          "implemented") for port in ("input", "other")},
    "cdist": {"input": ("Σⱼ {g}ᵢⱼ · ∂dᵢⱼ/∂aᵢ", "row i moves each of its distances: for p = 2, "
                        "(aᵢ − bⱼ) / dᵢⱼ"),
              "other": ("Σᵢ {g}ᵢⱼ · ∂dᵢⱼ/∂bⱼ", "row j of other, the other way round: for p = "
                        "2, (bⱼ − aᵢ) / dᵢⱼ")},
    "clamp_tensors": {"input": ("{g} where {b} ≤ {a} ≤ {c}, else 0", "the gradient passes "
                                "where a was not cut"),
                      "min": ("{g} where {a} < {b} < {c}, else 0", "the lower bound is the "
                              "output where it cut a"),
                      "max": ("{g} where {a} > {c} or {c} < {b}, else 0", "the upper bound is "
                              "the output where it cut a, and wins where the bounds cross")},
    "clamp_min_tensor": {"input": ("{g} where {a} ≥ {b}, else 0", "the gradient passes where "
                                   "a was not raised"),
                         "min": ("{g} where {a} < {b}, else 0", "the bound is the output "
                                 "where it raised a")},
    "clamp_max_tensor": {"input": ("{g} where {a} ≤ {b}, else 0", "the gradient passes where "
                                   "a was not lowered"),
                         "max": ("{g} where {a} > {b}, else 0", "the bound is the output "
                                 "where it lowered a")},
    "det": {"input": ("{g} · det({a}) · {a}⁻ᵀ", "Jacobi's formula: d det A = det A · A⁻ᵀ")},
    "inverse": {"input": ("−{a}⁻ᵀ · {g} · {a}⁻ᵀ", "d(A⁻¹) = −A⁻¹ dA A⁻¹")},
    "logdet": {"input": ("{g} · {a}⁻ᵀ", "d log det A = tr(A⁻¹ dA): the gradient is A⁻ᵀ")},
}


def spec_fields() -> list[dict[str, Any]]:
    """The OpSpec keyword arguments of each function here."""
    out: list[dict[str, Any]] = []
    for name, (symbol, description, _, params) in ACTIVATIONS.items():
        out.append({"name": name, "torch_name": name, "inputs": ("input",), "symbol": symbol,
                    "description": description, "category": "elementwise", "params": params,
                    "target": f"nn.functional.{name}"})
    for name, (symbol, description) in ELEMENTWISE.items():
        out.append({"name": name, "torch_name": name, "inputs": ("input",), "symbol": symbol,
                    "description": description, "category": "elementwise"})
    for name, (symbol, description) in BINARY.items():
        out.append({"name": name, "torch_name": name, "inputs": ("input", "other"),
                    "symbol": symbol, "description": description, "category": "arithmetic"})
    for name, (symbol, description, params) in PAIRWISE.items():
        out.append({"name": name, "torch_name": name, "inputs": ("input", "other"),
                    "symbol": symbol, "description": description, "category": "arithmetic",
                    "params": params})
    for name, (inputs, symbol, description) in TENSOR_BOUNDS.items():
        out.append({"name": name, "torch_name": "clamp", "inputs": inputs, "symbol": symbol,
                    "description": description, "category": "elementwise",
                    "impl": None if name == "clamp_tensors" else _one_bound(inputs[1])})
    for name, (symbol, description) in MATRIX.items():
        out.append({"name": name, "torch_name": name, "inputs": ("input",), "symbol": symbol,
                    "description": description, "category": "arithmetic"})
    return out


def _one_bound(which: str) -> Any:
    """torch.clamp(input, min=bound) or (input, max=bound): as the snippet wrote it, so the
    autograd node is torch's ClampBackward0."""
    def clamped(input: Any, bound: Any) -> Any:  # noqa: A002 - torch's name
        import torch  # deferred: see the module docstring

        return torch.clamp(input, **{which: bound})
    return clamped


def shape(op: str, shapes: list[tuple[int, ...]]) -> tuple[int, ...] | None:
    """The output shape, or None where torch is asked (a matrix op of a non-square input,
    the two-tensor functions)."""
    if op in BINARY or op in TENSOR_BOUNDS or op in PAIRWISE:  # torch's own check: some
        return None  # take a plain number as other, some not; a bound broadcasts with x
    a = shapes[0]
    if op not in MATRIX:
        return a
    if len(a) < 2 or a[-1] != a[-2]:
        return None
    return a if op == "inverse" else a[:-2]


__all__ = ["ACTIVATIONS", "ACTIVATION_MODULES", "ACTIVATION_MODULE_OPTIONS", "BINARY",
           "ELEMENTWISE", "PAIRWISE",
           "LINALG", "MATRIX", "NAMES", "RULES", "TENSOR_BOUNDS", "shape", "spec_fields"]
