"""The plain-torch side's record of torch.func's transforms (torch.func and functorch) and of
forward-mode AD: torch's own functions run unchanged, their answers noted in the lists of the
call whose numbers they are (see torch_reference.py). Knows nothing of Gradflow."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import Any

import torch
import torch.autograd.forward_ad as fwad

_TRANSFORMS = ("grad", "grad_and_value", "jacrev", "jacfwd", "hessian", "vmap")
_OPTIONS = {"grad": ("argnums", "has_aux"), "grad_and_value": ("argnums", "has_aux"),
            "jacrev": ("argnums", "has_aux"), "jacfwd": ("argnums", "has_aux")}


def _modules() -> list[Any]:
    found = [torch.func]
    try:
        found.append(importlib.import_module("functorch"))
    except ImportError:
        pass
    return found


def recording_transforms(inside: list[bool], jacobians: list[Any],
                         functionals: list[dict[str, Any]],
                         nested: Callable[[Any], Any]) -> Callable[[], None]:
    """Put recording wrappers in place of the transforms; returns what puts torch's back.
    `inside` is the shared flag of torch_reference.py: a call made by torch itself while an
    outer one runs is not the snippet's."""
    saved: list[tuple[Any, str, Any]] = []

    def outermost(run: Callable[[], Any]) -> tuple[bool, Any]:
        outer = not inside
        inside.append(True)
        try:
            return outer, run()
        finally:
            inside.pop()

    def transform(name: str, original: Any) -> Any:
        def made(func: Any, *args: Any, **kwargs: Any) -> Any:
            applied = original(func, *args, **kwargs)
            # a hessian is a second derivative: vmap of it gives per-sample hessians
            order = (2 if name == "hessian" else 1) + getattr(func, "derivative_order", 0)
            options = dict(zip(_OPTIONS.get(name, ()), args, strict=False)) | kwargs

            def call(*a: Any, **k: Any) -> Any:
                outer, answer = outermost(lambda: applied(*a, **k))
                # vmap of a derivative: the stacked derivatives are one answer
                derivative = name != "vmap" or order > 1
                if outer and derivative:
                    # grad_and_value: (gradient, value); has_aux: (answer, aux)
                    with_more = getattr(func, "with_more", False) if name == "vmap" else \
                        name == "grad_and_value" or options.get("has_aux")
                    result = answer[0] if with_more else answer
                    if name == "hessian" or order > 2 or (order > 1 and name != "vmap"):
                        functionals.append({"function": "hessian", "answer": nested(result)})
                    else:
                        jacobians.append(nested(result))
                return answer
            # vmap keeps its f's order (vmap of a plain f: none); with_more: the answer is
            # the first of a pair
            call.derivative_order = order if name != "vmap" else order - 1  # type: ignore[attr-defined]
            call.with_more = getattr(func, "with_more", False) if name == "vmap" else bool(  # type: ignore[attr-defined]
                name == "grad_and_value" or options.get("has_aux"))
            return call
        return made

    def vjp(original: Any) -> Any:
        def made(func: Any, *primals: Any, **kwargs: Any) -> Any:
            outer, got = outermost(lambda: original(func, *primals, **kwargs))
            if not outer:
                return got
            out, vjp_fn, *aux = got

            def recorded_fn(*a: Any, **k: Any) -> Any:
                again, answer = outermost(lambda: vjp_fn(*a, **k))
                if again:
                    functionals.append({"function": "vjp", "answer": [nested(out),
                                                                      nested(answer)]})
                return answer
            return (out, recorded_fn, *aux)
        return made

    def jvp(original: Any) -> Any:
        def made(*args: Any, **kwargs: Any) -> Any:
            outer, answer = outermost(lambda: original(*args, **kwargs))
            if outer:
                functionals.append({"function": "jvp", "answer": nested(tuple(answer[:2]))})
            return answer
        return made

    for module in (*_modules(), torch):  # torch.vmap: torch's own name for torch.func.vmap
        for name in (*_TRANSFORMS, "vjp", "jvp") if module is not torch else ("vmap",):
            original = getattr(module, name, None)
            if original is None:
                continue
            saved.append((module, name, original))
            wrapper = vjp(original) if name == "vjp" else jvp(original) if name == "jvp" \
                else transform(name, original)
            setattr(module, name, wrapper)

    duals: list[torch.Tensor] = []  # made by make_dual: unpacking one gives its tangent back
    make_dual, unpack_dual = fwad.make_dual, fwad.unpack_dual

    def recorded_make_dual(*args: Any, **kwargs: Any) -> Any:
        dual = make_dual(*args, **kwargs)
        if not inside:  # torch.func's jacfwd and jvp make duals of their own
            duals.append(dual)
        return dual

    def recorded_unpack_dual(tensor: Any, *args: Any, **kwargs: Any) -> Any:
        unpacked = unpack_dual(tensor, *args, **kwargs)
        # torch's own calls (print of a dual tensor unpacks it to show the tangent) are not
        # the script's answers
        by_torch = str(sys._getframe(1).f_globals.get("__name__", "")).startswith("torch.")
        if not inside and not by_torch and unpacked.tangent is not None and \
                not any(tensor is d for d in duals):
            functionals.append({"function": "jvp", "answer": [nested(unpacked.primal),
                                                              nested(unpacked.tangent)]})
        return unpacked

    saved += [(fwad, "make_dual", make_dual), (fwad, "unpack_dual", unpack_dual)]
    fwad.make_dual, fwad.unpack_dual = recorded_make_dual, recorded_unpack_dual

    def restore() -> None:
        for module, name, original in saved:
            setattr(module, name, original)
    return restore
