"""torch functions whose arguments a registry op does not hold one to one: F.pad (its
mode= is read, constant only), F.layer_norm and nn.LayerNorm (weight and bias optional; the
registry op takes both), torch.einsum of one to three tensors (the equation first). torch checks the
arguments first (`torch_checks`: a result over the size limits is refused before any memory
is taken for it), so a refusal is in its own words at the line."""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

import torch

from engine.ops import check_param, get_op
from engine.snippets.hooks import HookCalls
from engine.snippets.safety import error_at, raised_at
from engine.snippets.values import Number, Py, Value

_PAD_MODES_NOT_READ = ("reflect", "replicate", "circular")


class FunctionalCalls(HookCalls):
    def torch_call(self, path: str, node: ast.Call) -> Value:
        if path == "torch.nn.functional.pad":
            return self.padded(node)
        if path == "torch.einsum":
            return self.einsum(node)
        if path == "torch.nn.functional.layer_norm":
            named = self.named_arguments("F.layer_norm", ("input", "normalized_shape", "weight",
                                                          "bias", "eps"), node)
            if "normalized_shape" not in named:
                raise error_at(node, "F.layer_norm needs the normalized shape")
            eps = self.plain(named["eps"], node) if "eps" in named else 1e-5
            return self.layer_normed(named["input"], self.plain(named["normalized_shape"], node),
                                     named.get("weight"), named.get("bias"), eps, node)
        return super().torch_call(path, node)

    def named_arguments(self, what: str, names: tuple[str, ...],
                        node: ast.Call) -> dict[str, Value]:
        """The call's arguments by torch's parameter names (positional ones in this order)."""
        args, kwargs = self.arguments(node)
        if len(args) > len(names) or set(kwargs) - set(names) or \
                set(kwargs) & set(names[:len(args)]):
            raise error_at(node, f"{what} is read with {', '.join(names)}")
        named = dict(zip(names, args, strict=False)) | kwargs
        if names[0] not in named:
            raise error_at(node, f"{what} needs a tensor")
        return named

    def torch_checks(self, call: Callable[[Callable[[Any], Any]], Any], node: ast.Call) -> None:
        """`call(as_)` runs the torch function on its tensors passed through `as_`: first on
        meta tensors (shapes only), whose result's size is checked against the limits before
        torch computes anything, then on the concrete tensors, so that a refusal is torch's
        own words (a few differ on meta)."""
        try:
            told = call(_meta)
        except Exception:  # noqa: BLE001 - the concrete call below says it in torch's words
            told = None
        if isinstance(told, torch.Tensor):
            self.check_fits(told.numel(), node)
        try:
            call(lambda value: value)
        except Exception as exc:  # noqa: BLE001 - torch's own words
            raise raised_at(node, exc) from None

    def checked(self, op: str, params: dict[str, Any], node: ast.Call) -> dict[str, Any]:
        spec = get_op(op)
        try:
            return {k: check_param(spec.param(k), v) for k, v in params.items()}
        except ValueError as exc:
            raise error_at(node, f"F.{op}: {exc}") from None

    def padded(self, node: ast.Call) -> Value:
        """F.pad(x, pad, mode='constant', value=0): the pad op; torch's other modes are
        refused by name (torch's own error for a mode it does not know)."""
        named = self.named_arguments("F.pad", ("input", "pad", "mode", "value"), node)
        plain = {k: self.plain(v, node) for k, v in named.items() if k != "input"}
        x = self.concrete(named["input"], node)
        self.torch_checks(lambda as_: torch.nn.functional.pad(as_(x), **plain), node)
        mode = plain.pop("mode", "constant")
        if mode != "constant":
            raise error_at(node, f"F.pad is read in mode='constant' only; its modes "
                                 f"{', '.join(repr(m) for m in _PAD_MODES_NOT_READ)} are not "
                                 "read")
        value = plain.get("value")
        params = self.checked("pad", {"pad": plain.get("pad"),
                                      "value": 0.0 if value is None else value}, node)
        return self.op_node("pad", [named["input"]], params, node)

    def layer_normed(self, value: Value, shape: Any, weight: Value | None, bias: Value | None,
                     eps: Any, node: ast.Call) -> Value:
        """The layer_norm op; a weight or bias not given is torch's identity (ones, zeros: the
        same numbers and gradients as none, since x̂ · 1 + 0 is x̂ to the last bit)."""
        if isinstance(value, Number | Py):
            raise error_at(node, "F.layer_norm needs a tensor input")
        x = self.concrete(value, node)
        w, b = (None if t is None or isinstance(t, Py) and t.value is None else t
                for t in (weight, bias))
        try:
            torch.nn.functional.layer_norm(
                x, shape, weight=None if w is None else self.concrete(w, node),
                bias=None if b is None else self.concrete(b, node), eps=eps)
        except Exception as exc:  # noqa: BLE001 - torch's own words
            raise raised_at(node, exc) from None
        norm = list(shape)  # torch took it: a list or tuple of ints
        if w is None:
            w = self.from_tensor(torch.ones(norm, dtype=x.dtype), node)
        if b is None:
            b = self.from_tensor(torch.zeros(norm, dtype=x.dtype), node)
        params = self.checked("layer_norm", {"normalized_shape": norm, "eps": eps}, node)
        return self.op_node("layer_norm", [value, w, b], params, node)

    def einsum(self, node: ast.Call) -> Value:
        """torch.einsum('ij,jk->ik', a, b) or (..., [a, b]): the einsum op of one to three tensors;
        torch's own error for an equation it refuses."""
        args, kwargs = self.arguments(node)
        if args and len(args) == 2 and isinstance(args[1], Py) and \
                isinstance(args[1].value, list | tuple):
            args = [args[0], *args[1].value]
        equation = self.plain(args[0], node) if args else None
        if kwargs or not isinstance(equation, str):
            raise error_at(node, "torch.einsum is read with an equation and its tensors, "
                                 "e.g. torch.einsum('ij,jk->ik', a, b)")
        operands = args[1:]
        if any(isinstance(t, Number | Py) for t in operands):
            raise error_at(node, "torch.einsum needs tensors after its equation")
        tensors = [self.concrete(t, node) for t in operands]
        self.torch_checks(lambda as_: torch.einsum(equation, *map(as_, tensors)), node)
        op = {1: "einsum_one", 2: "einsum", 3: "einsum_three"}.get(len(operands))
        if op is None:
            raise error_at(node, f"torch.einsum is read with one to three tensors, not "
                                 f"{len(operands)}; write more as several einsums")
        params = self.checked(op, {"equation": equation}, node)
        return self.op_node(op, operands, params, node)


def _meta(value: Any) -> Any:
    """A tensor's shape and dtype without its numbers: torch checks arguments and tells the
    result's size on these without computing (or allocating) anything."""
    return value.to("meta") if isinstance(value, torch.Tensor) else value
