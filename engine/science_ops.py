"""The scientific functions of the registry that learners' snippets use: torch.linalg.solve,
cholesky, eigvalsh and vector_norm, torch.matrix_exp, torch.cross (and torch.linalg.cross),
torch.lerp with a number weight, torch.logaddexp, torch.remainder and torch.fmod (of a tensor
or a number), torch.kron, torch.diff and torch.trapezoid (torch.trapz), of a step dx or of
sample points x. Each is torch's own function, so torch's backward (LinalgSolveExBackward0,
LerpBackward0...) is the one that runs. Here: the fields of their registry entries
(engine/ops.py makes the OpSpecs), the other spellings the importer reads, their shape rule
and their backward rule in words for the explain panel. No torch import, as in
engine/ops.py."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.op_params import Param

_DIM = Param("dim", "int", -1, help="the dimension it works along")
# name → (torch name, inputs, symbol, description, params)
SCIENCE: dict[str, tuple[str, tuple[str, ...], str, str, tuple[Param, ...]]] = {
    "linalg_solve": ("linalg.solve", ("A", "B"), "A⁻¹B", "the X with A @ X = B for a "
                     "square A (torch.linalg.solve); B a matrix or a vector",
                     (Param("left", "bool", True, help="False: solve X @ A = B instead"),)),
    "linalg_cholesky": ("linalg.cholesky", ("input",), "chol", "the lower-triangular L with "
                        "L @ Lᵀ = A, of a symmetric positive-definite A",
                        (Param("upper", "bool", False, help="True: the upper factor Lᵀ"),)),
    "linalg_eigvalsh": ("linalg.eigvalsh", ("input",), "eig", "the eigenvalues of a "
                        "symmetric matrix, in ascending order",
                        (Param("UPLO", "choice", "L", ("L", "U"), help="which triangle of "
                               "the matrix is read"),)),
    "matrix_exp": ("matrix_exp", ("input",), "eᴬ", "the exponential of a square matrix: "
                   "I + A + A²/2! + A³/3! + ...", ()),
    "cross": ("cross", ("input", "other"), "×", "the cross product of 3-vectors along dim "
              "(broadcasts); torch.linalg.cross too", (_DIM,)),
    "lerp": ("lerp", ("input", "end"), "lerp", "input + weight · (end − input), a point "
             "between the two (broadcasts)",
             (Param("weight", "float", 0.5, help="0 gives input, 1 gives end"),)),
    "logaddexp": ("logaddexp", ("input", "other"), "log(eᵃ+eᵇ)", "elementwise "
                  "log(eᵃ + eᵇ), computed stably (broadcasts)", ()),
    "remainder": ("remainder", ("input", "other"), "mod", "elementwise a − ⌊a / b⌋ · b, "
                  "the sign of b (Python's %); b a tensor or a number", ()),
    "fmod": ("fmod", ("input", "other"), "fmod", "elementwise a − trunc(a / b) · b, the "
             "sign of a (C's fmod); b a tensor or a number", ()),
    "kron": ("kron", ("input", "other"), "⊗ₖ", "the Kronecker product: block (i, j) is "
             "a[i, j] · b", ()),
    "diff": ("diff", ("input",), "Δ", "the differences of neighbours along dim, "
             "x[i + 1] − x[i], taken n times",
             (Param("n", "int", 1, help="how many times to take the differences"), _DIM)),
    "trapezoid": ("trapezoid", ("y",), "∫dx", "the trapezoid rule along dim at a step of "
                  "dx: Σ dx · (y[i] + y[i + 1]) / 2 (torch.trapz)",
                  (Param("dx", "float", 1.0, help="the distance between samples"), _DIM)),
    "trapezoid_x": ("trapezoid", ("y", "x"), "∫dx", "the trapezoid rule along dim at the "
                    "sample points x: Σ (x[i + 1] − x[i]) · (y[i] + y[i + 1]) / 2", (_DIM,)),
    "linalg_vector_norm": ("linalg.vector_norm", ("input",), "‖x‖ₚ", "the ord-norm of the "
                           "elements (over dim, or all): (Σ |x|^ord)^(1/ord)",
                           (Param("ord", "order", 2.0, help="which norm: 2 is the length, 1 "
                                  "the sum of |x|, inf the largest |x|, -inf the smallest"),
                            Param("dim", "dims", None, help="dimension(s) to reduce; None = "
                                  "all"),
                            Param("keepdim", "bool", False, help="keep reduced dimensions "
                                  "with size 1"))),
}
NAMES = frozenset(SCIENCE)
# torch.<spelling> the importer reads as one of these (or as an op already in the registry)
SPELLINGS = {"linalg.solve": "linalg_solve", "linalg.cholesky": "linalg_cholesky",
             "linalg.eigvalsh": "linalg_eigvalsh", "linalg.matrix_exp": "matrix_exp",
             "linalg.cross": "cross", "linalg.vector_norm": "linalg_vector_norm",
             "trapz": "trapezoid", "special.expit": "sigmoid"}
# no torch.<name>: read through SPELLINGS only
NOT_TORCH_LEVEL = frozenset({name for name, fields in SCIENCE.items() if fields[0] != name})
# no tensor method of the name (x.trapezoid() is an AttributeError)
NOT_METHODS = frozenset({*NOT_TORCH_LEVEL, "trapezoid"})
# (op, input) torch also takes as a plain number: torch.remainder(x, 2.0)
NUMBER_INPUTS = frozenset({("remainder", 1), ("fmod", 1)})
# params a snippet may give by position after the tensors, in torch's order
POSITIONAL = {"lerp": ("weight",), "cross": ("dim",), "diff": ("n", "dim"),
              "linalg_vector_norm": ("ord", "dim", "keepdim"), "linalg_eigvalsh": ("UPLO",)}
# params written in generated code even at the registry's default (torch.lerp needs weight;
# torch.cross without dim picks the first dim of size 3)
ALWAYS_WRITTEN = frozenset({("lerp", "weight"), ("cross", "dim")})
# outputs of another shape than an input: no broadcast note in the explain panel
RESHAPING = frozenset({"linalg_solve", "linalg_eigvalsh", "kron", "diff", "trapezoid",
                       "trapezoid_x", "linalg_vector_norm"})

RULES: dict[str, dict[str, tuple[str, str]]] = {
    "linalg_solve": {"A": ("−({a}⁻ᵀ @ {g}) @ {out}ᵀ", "minus B's gradient times the "
                           "solution X, transposed: dA = −A⁻ᵀ g Xᵀ"),
                     "B": ("{a}⁻ᵀ @ {g}", "the gradient solved with A transposed: "
                           "solve(Aᵀ, g)")},
    "linalg_cholesky": {"input": ("½ L⁻ᵀ Φ(Lᵀ @ {g}) L⁻¹, made symmetric (L = {out})",
                                  "Φ keeps the lower triangle and halves the diagonal; the "
                                  "result is split evenly over A's two triangles")},
    "linalg_eigvalsh": {"input": ("V diag({g}) Vᵀ (V: the eigenvectors of {a})", "each "
                                  "eigenvalue λᵢ moves with A as vᵢᵀ dA vᵢ: its gradient "
                                  "is vᵢ vᵢᵀ")},
    "matrix_exp": {"input": ("∫₀¹ e^(s{a}ᵀ) {g} e^((1−s){a}ᵀ) ds", "the gradient carried "
                             "through e to the power Aᵀ (torch computes it as the exponential "
                             "of a block matrix)")},
    "cross": {"input": ("{b} × {g}", "g · (a × b) = a · (b × g): a gets b × g"),
              "other": ("{g} × {a}", "g · (a × b) = b · (g × a): b gets g × a")},
    "lerp": {"input": ("(1 − w) · {g}", "input counts 1 − weight times"),
             "end": ("w · {g}", "end counts weight times")},
    "logaddexp": {"input": ("{g} · e^{a} / (e^{a} + e^{b})", "a's share of the sum of "
                            "exponentials: σ(a − b)"),
                  "other": ("{g} · e^{b} / (e^{a} + e^{b})", "b's share: σ(b − a)")},
    "remainder": {"input": ("{g}", "a − ⌊a/b⌋·b moves with a between the steps: slope 1"),
                  "other": ("−{g} · ⌊{a} / {b}⌋", "b is taken ⌊a/b⌋ times")},
    "fmod": {"input": ("{g}", "a − trunc(a/b)·b moves with a between the steps: slope 1"),
             "other": ("−{g} · trunc({a} / {b})", "b is taken trunc(a/b) times")},
    "kron": {"input": ("Σ (block (i, j) of {g}) · {b}", "a[i, j] multiplies all of b in "
                       "block (i, j): it gets that block of the gradient times b, summed"),
             "other": ("Σᵢⱼ {a}[i, j] · (block (i, j) of {g})", "b is in every block, times "
                       "a[i, j]: it gets the blocks of the gradient so weighted, summed")},
    "diff": {"input": ("{g}[i − 1] − {g}[i], n times", "x[i] is added in the difference "
                       "before it and subtracted in its own (0 past the ends)")},
    "trapezoid": {"y": ("dx · {g}, halved at both ends", "each inner sample is in two "
                        "trapezoids, each end in one")},
    "trapezoid_x": {"y": ("{g} · (x[i + 1] − x[i − 1]) / 2", "half the width of the two "
                          "trapezoids y[i] is in (one at the ends)"),
                    "x": ("{g} · (y[i − 1] − y[i + 1]) / 2", "x[i] widens the trapezoid "
                          "before it and narrows the one after")},
    "linalg_vector_norm": {"input": ("{g} · sign({a}) · |{a}|^(p−1) / {out}^(p−1)", "for "
                                     "p = 2: a / ‖a‖; for inf: the largest |a| only")},
}


def rule(op: str, params: Mapping[str, Any], port: str) -> tuple[str, str] | None:
    """The rule of `port`, the node's weight, order, step or count written in."""
    found = RULES.get(op, {}).get(port)
    if found is None:
        return None
    (text, words) = found
    if op == "lerp":
        w = float(params.get("weight", 0.5))
        text = text.replace("(1 − w)", f"{1 - w:g}").replace("w ·", f"{w:g} ·")
    if op == "trapezoid":
        text = text.replace("dx", f"{float(params.get('dx', 1.0)):g}")
    if op == "diff":
        text = text.replace("n times", f"{params.get('n', 1)} time(s)")
    if op == "linalg_vector_norm":
        text = text.replace("p−1", f"{float(params.get('ord', 2.0)) - 1:g}")
    return text, words


def spec_fields() -> list[dict[str, Any]]:
    """The OpSpec keyword arguments of each function here."""
    return [{"name": name, "torch_name": torch_name, "inputs": inputs, "symbol": symbol,
             "description": description, "params": params,
             "category": "reductions" if name in ("trapezoid", "trapezoid_x",
                                                  "linalg_vector_norm")
             else "shape" if name == "diff" else "arithmetic"}
            for name, (torch_name, inputs, symbol, description, params) in SCIENCE.items()]


def _broadcast(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...] | None:
    out = []
    for i in range(1, max(len(a), len(b)) + 1):
        m, n = (a[-i] if i <= len(a) else 1), (b[-i] if i <= len(b) else 1)
        if m != n and 1 not in (m, n):
            return None
        out.append(max(m, n) if 1 in (m, n) else m)
    return tuple(reversed(out))


def _axis(dim: Any, ndim: int) -> int | None:
    return dim % ndim if isinstance(dim, int) and ndim and -ndim <= dim < ndim else None


def _solve(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...] | None:
    if len(a) < 2 or a[-1] != a[-2] or not b:
        return None
    n = a[-1]
    if len(b) == 1 or b == a[:-1]:  # B a vector (or a batch of them)
        batch = _broadcast(a[:-2], b[:-1])
        return None if b[-1] != n or batch is None else (*batch, n)
    batch = _broadcast(a[:-2], b[:-2])
    return None if b[-2] != n or batch is None else (*batch, n, b[-1])


def shape(op: str, shapes: list[tuple[int, ...]], params: Mapping[str, Any]) -> Any:
    """The output shape, None where torch refuses (in its words, at run time), or ... where
    these rules leave it to torch on the meta device."""
    a = shapes[0]
    if len(shapes) == 2 and () in shapes and op not in ("remainder", "fmod"):
        return ...  # a plain number, or a 0-d tensor: only torch tells which it refuses
    if op == "linalg_solve":
        return _solve(a, shapes[1]) if params.get("left", True) else ...
    if op in ("linalg_cholesky", "linalg_eigvalsh", "matrix_exp"):
        if len(a) < 2 or a[-1] != a[-2]:
            return None
        return a[:-1] if op == "linalg_eigvalsh" else a
    if op in ("lerp", "logaddexp", "remainder", "fmod"):
        return _broadcast(a, shapes[1])
    if op == "cross":
        b = shapes[1]
        joint = _broadcast(a, b)
        axis = _axis(params.get("dim", -1), len(a))
        if len(a) != len(b) or joint is None or axis is None:
            return None
        return joint if a[axis] == b[axis] == 3 else None
    if op == "kron":
        b = shapes[1]
        ndim = max(len(a), len(b))
        a, b = (1,) * (ndim - len(a)) + a, (1,) * (ndim - len(b)) + b
        return tuple(m * n for m, n in zip(a, b, strict=True))
    if op == "diff":
        axis = _axis(params.get("dim", -1), len(a))
        n = params.get("n", 1)
        if n == 0 and a:
            return a  # torch gives the input back, whatever the dim
        if axis is None or not isinstance(n, int) or n < 0:
            return None
        return (*a[:axis], max(a[axis] - n, 0), *a[axis + 1:])
    if op in ("trapezoid", "trapezoid_x"):
        axis = _axis(params.get("dim", -1), len(a))
        if axis is None:
            return None
        if op == "trapezoid_x" and shapes[1] != (a[axis],):
            return ...  # x of the shape of y, or broadcasting to it: torch's rules
        return (*a[:axis], *a[axis + 1:])
    return ...  # linalg_vector_norm: the reductions' rule, engine/shape_rules.py


__all__ = ["ALWAYS_WRITTEN", "NAMES", "NOT_METHODS", "NOT_TORCH_LEVEL", "NUMBER_INPUTS",
           "POSITIONAL", "RESHAPING", "RULES", "SCIENCE", "SPELLINGS", "rule", "shape",
           "spec_fields"]
