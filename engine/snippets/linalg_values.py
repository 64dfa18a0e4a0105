"""torch.linalg on tensors without gradient: a script computes a reference answer
(`torch.linalg.lstsq(A, B).solution`, `torch.linalg.solve(A, b)`, an eigen-decomposition)
to compare its training with. Torch computes it on the numbers and the result is a constant,
as it has no history in torch either. A result torch gives as a named tuple
(torch.return_types) keeps its field names: `.solution`, `.eigenvalues`, `[0]`, unpacking.

With a gradient, what is read today stays: torch.linalg.det and inv are ops of the registry,
and so are solve, cholesky, eigvalsh, matrix_exp, cross and vector_norm (engine/science_ops.py);
torch.linalg.norm of a vector is the norm op (modules.py); the others are refused there, with
what to write instead.
"""

from __future__ import annotations

import ast
from collections import namedtuple
from typing import Any

import torch

from engine.snippets.blocks import BlockReader
from engine.snippets.safety import error_at, raised_at
from engine.snippets.tables import TORCH_FUNCTIONS
from engine.snippets.values import Py, Value

# torch.linalg.<name> computed by torch on tensors without gradient (the complex-valued
# eig and eigvals are left out: Gradflow's tensors are real)
LINALG_VALUES = frozenset({
    "lstsq", "solve", "inv", "pinv", "norm", "det", "slogdet", "eigh", "eigvalsh", "svd",
    "svdvals", "qr", "cholesky", "matrix_norm", "vector_norm", "matrix_rank", "cond",
    "matrix_power", "matrix_exp", "multi_dot", "cross", "solve_triangular", "vecdot",
})
# read as ops of the registry whatever their arguments (tables.py, modules.py: normed)
READ_AS_OPS = frozenset({"norm", *(k.removeprefix("linalg.") for k in TORCH_FUNCTIONS
                                   if k.startswith("linalg."))})
# what the refusal names besides det, inv and norm: torch.linalg.solve, cholesky...
_ALSO_READ = ", ".join(f"torch.linalg.{name}" for name in sorted(
    READ_AS_OPS - {"norm", "det", "inv"}))

_NAMED: dict[tuple[str, tuple[str, ...]], type] = {}


def named_result(result: Any) -> type | None:
    """A namedtuple class with the fields of torch's return type (linalg_lstsq: solution,
    residuals, rank, singular_values), or None for a plain tensor or tuple."""
    fields = getattr(type(result), "__match_args__", None) if isinstance(result, tuple) \
        else None
    if not fields:
        return None
    key = (type(result).__name__, tuple(fields))
    if key not in _NAMED:
        _NAMED[key] = namedtuple(key[0], key[1])  # type: ignore[misc]  # noqa: PYI024
    return _NAMED[key]


class LinalgValues(BlockReader):
    def plain_attribute(self, value: Py, attr: str, node: ast.Attribute) -> Value | None:
        """A field torch's return type does not have: Python's AttributeError, in its words
        (the ones it has are read by the attribute reader, pyexpr.py)."""
        kind = type(value.value)
        if kind in _NAMED.values():
            raise raised_at(node, AttributeError(f"'torch.return_types.{kind.__name__}' object "
                                                 f"has no attribute '{attr}'"))
        return super().plain_attribute(value, attr, node)

    def torch_call(self, path: str, node: ast.Call) -> Value:
        name = path.removeprefix("torch.linalg.")
        if name == path or name not in LINALG_VALUES or name in READ_AS_OPS:
            return super().torch_call(path, node)
        args, kwargs = self.arguments(node)
        given = [*args, *kwargs.values()]
        if self.grad_enabled and any(self.needs_grad(v) for v in _flat(given)):
            raise error_at(node, f"{path} of a tensor that requires grad is not in Gradflow's "
                                 "op list: Gradflow computes it only on tensors without "
                                 "gradient (a reference answer: under torch.no_grad() or of "
                                 ".detach()); with a gradient, torch.linalg.det, "
                                 "torch.linalg.inv and torch.linalg.norm of a vector are read, "
                                 f"and so are {_ALSO_READ}")
        kind: list[type | None] = []

        def call(*plain: Any, **options: Any) -> Any:
            result = getattr(torch.linalg, name)(*plain, **options)
            kind.append(named_result(result))
            return result

        out = self.value_call(call, path, node, evaluated=(args, kwargs))
        if kind and kind[0] is not None and isinstance(out, Py) and isinstance(out.value, tuple):
            return Py(kind[0](*out.value))
        return out


def _flat(values: list[Value]) -> list[Value]:
    """The values given, a list's or tuple's items in place of it (multi_dot([A, B]))."""
    return [item for v in values for item in (
        v.value if isinstance(v, Py) and isinstance(v.value, list | tuple) else [v])]


__all__ = ["LINALG_VALUES", "LinalgValues", "named_result"]
