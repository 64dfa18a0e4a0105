"""The arguments of backward, torch.autograd.backward, torch.autograd.grad and
torch.autograd.functional's calls, by parameter name, with Python's own TypeError for a
keyword the real function does not have (`retain_variables=`)."""

from __future__ import annotations

import ast
import inspect
from typing import Any

import torch

from engine.snippets.safety import error_at, raised_at

# the functions whose arguments arguments_by_name reads, by the name it is given: a keyword the real
# function does not have is Python's TypeError when the script runs (`retain_variables=`)
_TORCH_FUNCTIONS: dict[str, Any] = {
    "backward": torch.Tensor.backward, "torch.autograd.backward": torch.autograd.backward,
    "torch.autograd.grad": torch.autograd.grad,
    **{f"torch.autograd.functional.{name}": getattr(torch.autograd.functional, name)
       for name in ("jacobian", "hessian", "vjp", "jvp", "vhp", "hvp")}}


def arguments_by_name(call: ast.Call, names: tuple[str, ...], what: str) -> dict[str, ast.expr]:
    """Positional and keyword arguments of a call, by parameter name."""
    if len(call.args) > len(names):
        raise error_at(call, f"{what} takes at most {len(names)} positional arguments")
    out = dict(zip(names, call.args, strict=False))
    for kw in call.keywords:
        if kw.arg is None or kw.arg not in names:
            function = _TORCH_FUNCTIONS.get(what)
            if kw.arg is not None and function is not None and \
                    kw.arg not in inspect.signature(function).parameters:
                raise raised_at(kw, TypeError(f"{function.__qualname__}() got an unexpected "
                                              f"keyword argument '{kw.arg}'"))
            raise error_at(kw, f"{what} has no argument {kw.arg}=; it takes "
                               f"{', '.join(names)}")
        if kw.arg in out:
            raise error_at(kw, f"{kw.arg} is given twice")
        out[kw.arg] = kw.value
    return out


def listed(node: ast.expr) -> list[ast.expr | None]:
    """The items of `[a, b]` or `(a, b)` (None for a written None), or the one tensor given."""
    if isinstance(node, ast.List | ast.Tuple):
        return [None if isinstance(e, ast.Constant) and e.value is None else e for e in node.elts]
    return [node]
