"""The fused "add a product" functions of the registry: torch.addmm(input, mat1, mat2),
torch.addmv(input, mat, vec) and torch.baddbmm(input, batch1, batch2), each
beta · input + alpha · (the product), input broadcasting to the product's shape. Each is
torch's own function, so torch's backward (AddmmBackward0...) is the one that runs. Here: the
fields of their registry entries (engine/ops.py makes the OpSpecs), their shape rule and their
backward rule in words for the explain panel. No torch import, as in engine/ops.py."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.op_params import Param

_SCALES = (Param("beta", "float", 1.0, help="β: the factor of input"),
           Param("alpha", "float", 1.0, help="α: the factor of the product"))

# name → (inputs, symbol, description)
FUSED: dict[str, tuple[tuple[str, ...], str, str]] = {
    "addmm": (("input", "mat1", "mat2"), "β+α@", "beta · input + alpha · (mat1 @ mat2): a "
              "matrix product plus input, which broadcasts to its shape (a bias of one row)"),
    "addmv": (("input", "mat", "vec"), "β+α@v", "beta · input + alpha · (mat @ vec): a "
              "matrix times a vector plus input, which broadcasts to its length"),
    "baddbmm": (("input", "batch1", "batch2"), "β+α@ᵦ", "beta · input + alpha · "
                "(batch1 @ batch2), one matrix product per batch entry, plus input, which "
                "broadcasts to their shape"),
}
NAMES = frozenset(FUSED)

_TO_INPUT = ("β · {g}, summed to the shape of {a}", "input is added times beta: it gets the "
             "gradient times beta (summed over the places it was broadcast to)")
RULES: dict[str, dict[str, tuple[str, str]]] = {
    "addmm": {"input": _TO_INPUT,
              "mat1": ("α · {g} @ {c}ᵀ", "the gradient times mat2, transposed, times alpha"),
              "mat2": ("α · {b}ᵀ @ {g}", "mat1, transposed, times the gradient, times alpha")},
    "addmv": {"input": _TO_INPUT,
              "mat": ("α · outer({g}, {c})", "each row gets its gradient times the vector, "
                      "times alpha"),
              "vec": ("α · {b}ᵀ @ {g}", "the matrix, transposed, times the gradient, times "
                      "alpha")},
    "baddbmm": {"input": _TO_INPUT,
                "batch1": ("α · {g} @ {c}ᵀ (per batch entry)", "each entry's gradient times "
                           "its batch2 matrix, transposed, times alpha"),
                "batch2": ("α · {b}ᵀ @ {g} (per batch entry)", "each entry's batch1 matrix, "
                           "transposed, times its gradient, times alpha")},
}


def rule(op: str, params: Mapping[str, Any], port: str) -> tuple[str, str] | None:
    """The rule of `port`, beta and alpha written as the node's numbers (left out at 1)."""
    found = RULES.get(op, {}).get(port)
    if found is None:
        return None
    (text, words) = found
    for symbol, name in (("β", "beta"), ("α", "alpha")):
        value = float(params.get(name, 1.0))
        text = text.replace(f"{symbol} · ", "" if value == 1.0 else f"{value:g} · ")
    return text, words


def spec_fields() -> list[dict[str, Any]]:
    """The OpSpec keyword arguments of each function here."""
    return [{"name": name, "torch_name": name, "inputs": inputs, "symbol": symbol,
             "description": description, "category": "arithmetic", "params": _SCALES}
            for name, (inputs, symbol, description) in FUSED.items()]


def _fits(shape: tuple[int, ...], out: tuple[int, ...]) -> bool:
    """input broadcasts to the product's shape without growing it."""
    return len(shape) <= len(out) and all(
        n in (1, m) for n, m in zip(reversed(shape), reversed(out), strict=False))


def shape(op: str, shapes: list[tuple[int, ...]]) -> tuple[int, ...] | None:
    """The output shape, or None where torch refuses (and says why, in its words, at run
    time)."""
    (inp, a, b) = shapes
    out: tuple[int, ...] | None = None
    if op == "addmm" and len(a) == len(b) == 2 and a[1] == b[0]:
        out = (a[0], b[1])
    if op == "addmv" and len(a) == 2 and len(b) == 1 and a[1] == b[0]:
        out = (a[0],)
    if op == "baddbmm" and len(a) == len(b) == 3 and a[0] == b[0] and a[2] == b[1]:
        out = (a[0], a[1], b[2])
    return out if out is not None and _fits(inp, out) else None


__all__ = ["FUSED", "NAMES", "RULES", "rule", "shape", "spec_fields"]
