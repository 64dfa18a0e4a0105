"""A custom torch.autograd.Function applied inside torch.func's transforms: torch refuses
one written the old way (`forward(ctx, x)`, no setup_context), one with no vmap rule under
a transform that vmaps (vmap, jacfwd, hessian), one with no jvp under forward mode. Which
error comes first is torch's business, so it is asked of torch: the same transforms applied
to a stand-in Function with the same name and the same kinds of methods."""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from typing import Any

import torch

from engine.snippets.function_check import FunctionClass
from engine.snippets.values import Number

_SCALAR = ("grad", "grad_and_value", "hessian")  # transforms of a function with one number


def transforms_named(what: str) -> list[str]:
    """['jacfwd', 'grad'] for "torch.func.jacfwd(torch.func.grad(...))", outermost first."""
    return re.findall(r"torch\.func\.(\w+)", what)


def torch_refuses(cls: FunctionClass, transforms: list[str]) -> Exception | None:
    """torch's error for applying a Function like `cls` inside `transforms` (outermost
    first), or None when torch takes it."""
    stand_in = _stand_in_class(cls)
    fn: Callable[..., Any] = stand_in.apply
    for name in reversed(transforms):
        fn = _transformed(name, fn)
    x = torch.ones([2] * (1 + transforms.count("vmap")))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fn(x)
    except (RuntimeError, NotImplementedError) as exc:
        said = str(exc)
        if "setup_context" in said or cls.name in said or "custom autograd.Function" in said:
            return exc
    return None


def _transformed(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    if name in _SCALAR:
        return getattr(torch.func, name)(lambda t: fn(t).sum())
    if name in ("jacrev", "jacfwd", "vmap"):
        return getattr(torch.func, name)(fn)
    if name == "vjp":
        return lambda t: torch.func.vjp(fn, t)[1](torch.ones_like(fn(t)))
    if name == "jvp":
        return lambda t: torch.func.jvp(fn, (t,), (torch.ones_like(t),))[1]
    return fn


def _stand_in_class(cls: FunctionClass) -> Any:
    """A Function of cls's name computing x * x, with the methods cls has (so torch's checks
    of them are the same) and none it lacks."""
    methods = cls.methods
    body: dict[str, Any] = {}
    if "setup_context" in methods:
        body["forward"] = staticmethod(lambda x: x * x)
        body["setup_context"] = staticmethod(lambda ctx, inputs, output: None)
    else:
        body["forward"] = staticmethod(lambda ctx, x: x * x)
    if "backward" in methods:
        body["backward"] = staticmethod(lambda ctx, g: g)
    if "jvp" in methods:
        body["jvp"] = staticmethod(lambda ctx, t: t)
    if "vmap" in methods:
        body["vmap"] = staticmethod(lambda info, in_dims, x: (x * x, in_dims[0]))
    rule = cls.constants.get("generate_vmap_rule")
    if isinstance(rule, Number) and bool(rule.value):
        body["generate_vmap_rule"] = True
    return type(cls.name, (torch.autograd.Function,), body)
