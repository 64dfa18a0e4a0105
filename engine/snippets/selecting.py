"""Picking places of a tensor that carries a gradient, read through the ops the registry
already has: `x.gather(1, idx)` and `x.index_select(0, idx)` as indexing (the `index` op,
whose backward is torch's own: the gradient goes back to the picked places, summed where a
place is picked twice, as gather's and index_select's backward do), `x.max(dim=1)` as the
values at its indices (torch's backward sends the gradient to exactly those), and
`x.masked_fill(mask, v)` as `torch.where(mask, v, x)`. torch itself checks the arguments first,
so its words are quoted where it refuses.
"""

from __future__ import annotations

import ast
from typing import Any

import torch

from engine.snippets.indexing import IndexingCalls
from engine.snippets.safety import error_at, raised_at
from engine.snippets.values import Number, Pending, Picks, Py, Ref, Value

# selections torch computes as views or copies of some places: each result is read as the
# input's places that torch's own function picks from an arange of the same shape
ARANGED = frozenset({"split", "chunk", "unbind", "narrow", "diagonal", "roll",
                     "repeat_interleave", "masked_select"})
SELECTING: frozenset[str] = frozenset({"gather", "index_select", "masked_fill", *ARANGED})
# functions giving (values, indices) of the places they pick: their params in torch's order
ALONG = {"sort": ("dim", "descending"), "topk": ("k", "dim", "largest", "sorted"),
         "median": ("dim", "keepdim"), "max": ("dim", "keepdim"), "min": ("dim", "keepdim")}


class SelectingCalls(IndexingCalls):
    def selecting(self, attr: str, receiver: Value, args: list[Value],
                  kwargs: dict[str, Value], node: ast.Call) -> Value:
        """receiver.attr(*args, **kwargs) of a tensor that carries a gradient."""
        t = self.concrete(receiver, node)
        plain = [self.concrete(a, node) for a in args]
        plain_kw = {k: self.concrete(v, node) for k, v in kwargs.items()}
        grown = _grown_elements(attr, t, plain, plain_kw)
        if grown is not None:  # refused before torch is asked to make it
            self.check_fits(grown, node)
        try:  # torch's own checks, and the numbers the picks must reproduce
            want = getattr(torch, attr)(t, *plain, **plain_kw)
        except Exception as exc:  # noqa: BLE001 - torch's own words
            raise raised_at(node, exc) from None
        if attr in ARANGED:
            return self.picked(attr, receiver, t, plain, plain_kw, node)
        named = dict(zip(("dim", "index") if attr != "masked_fill" else ("mask", "value"),
                         plain, strict=False)) | plain_kw
        if attr == "masked_fill":
            if any(self.needs_grad(v) for v in [*args[1:], *kwargs.values()]):
                raise error_at(node, ".masked_fill() is read with a plain number or a tensor "
                                     "without grad as the value")
            return self.masked(receiver, args[0] if args else kwargs["mask"],
                               named["value"], want, node)
        dim, index = named.get("dim"), named.get("index")
        if not isinstance(dim, int) or not isinstance(index, torch.Tensor):
            raise error_at(node, f".{attr}() is read with a whole-number dim and a tensor of "
                                 "indices")
        dim = dim % max(t.dim(), 1)
        if attr == "index_select":
            key: tuple[Any, ...] = (slice(None),) * dim + (index,)
        else:
            key = _gather_key(index, dim)
        return self.index_value(receiver, key, node)

    def picked(self, attr: str, receiver: Value, t: torch.Tensor, plain: list[Any],
               plain_kw: dict[str, Any], node: ast.Call) -> Value:
        """torch.split(x, 2), x.unbind(0), x.diagonal(), torch.roll(x, 1)...: torch's own
        function applied to the places' numbers 0..n-1 tells which places each result
        holds; each is the flattened input indexed there (the backward adds the gradient
        back at those places, as the function's own backward does)."""
        places = getattr(torch, attr)(torch.arange(t.numel()).reshape(t.shape), *plain,
                                      **plain_kw)
        flat = self.op_node("reshape", [receiver], {"shape": [-1]}, node)
        if isinstance(places, tuple | list):
            return Py(tuple(self.index_value(flat, (p,), node) for p in places))
        return self.index_value(flat, (places,), node)

    def max_along(self, short: str, receiver: Value, dim: int, keepdim: bool,
                  node: ast.Call) -> Value:
        """x.max(dim=1) of a tensor that carries a gradient: (values, indices)."""
        return self.picks_along(short, receiver, [Number(dim)], {"keepdim": Number(keepdim)},
                                node)

    def picks_along(self, short: str, receiver: Value, args: list[Value],
                    kwargs: dict[str, Value], node: ast.Call) -> Value:
        """x.sort(1), x.topk(2), x.median(0), x.max(dim=1) of a tensor that carries a
        gradient: (values, indices), the values picked at torch's own indices (its backward
        sends the gradient to exactly those places, as these functions' own backward does)."""
        t = self.concrete(receiver, node)
        plain = [self.concrete(a, node) for a in args]
        plain_kw = {k: self.concrete(v, node) for k, v in kwargs.items()}
        try:  # torch's own checks, and the indices the picks are read at
            found = getattr(torch, short)(t, *plain, **plain_kw)
        except Exception as exc:  # noqa: BLE001 - torch's own words
            raise raised_at(node, exc) from None
        if isinstance(found, torch.Tensor):  # torch.median(x): one number of the whole
            return self.median_of_all(receiver, t, found, node)
        if t.dim() == 0:
            raise error_at(node, f".{short}() is read of a tensor of one dimension or more")
        named = dict(zip(ALONG[short], plain, strict=False)) | plain_kw
        dim = named.get("dim", -1) % t.dim()
        kept = short in ("sort", "topk") or named.get("keepdim", False)
        key = found.indices if kept else found.indices.unsqueeze(dim)
        values = self.index_value(receiver, _gather_key(key, dim), node)
        if not kept:
            values = self.reshaped_to(values, tuple(found.values.shape), node)
        if isinstance(values, Ref | Pending) and values.node_id is not None:
            self.fresh_tensors.add(values.node_id)  # torch's values are a tensor of their own
        return Py(Picks(values, self.from_tensor(found.indices, node)))

    def median_of_all(self, receiver: Value, t: torch.Tensor, found: torch.Tensor,
                      node: ast.Call) -> Value:
        """torch.median(x): torch's backward shares the gradient evenly among the places
        holding the median, as amax's does among its equal places: amax of those places."""
        if bool(torch.isnan(found)):
            raise error_at(node, "torch.median of a tensor holding NaN is not read")
        places = (t.reshape(-1) == found).nonzero().squeeze(1)
        flat = self.op_node("reshape", [receiver], {"shape": [-1]}, node)
        tied = self.index_value(flat, (places,), node)
        return self.op_node("amax", [tied], {"dim": None, "keepdim": False}, node)

    def masked(self, receiver: Value, mask: Value, value: Any, want: torch.Tensor,
               node: ast.Call) -> Value:
        fill: Value = self.from_tensor(torch.tensor(value, dtype=want.dtype), node) \
            if not isinstance(value, torch.Tensor) else self.from_tensor(value, node)
        if isinstance(mask, Number | Py):
            raise error_at(node, ".masked_fill() is read with a tensor mask")
        return self.op_node("where", [mask, fill, receiver], {}, node)

    def reshaped_to(self, value: Value, shape: tuple[int, ...], node: ast.Call) -> Value:
        if not isinstance(value, Pending | Ref):
            return value
        return self.op_node("reshape", [value], {"shape": list(shape)}, node)


def _grown_elements(attr: str, t: torch.Tensor, args: list[Any],
                    kwargs: dict[str, Any]) -> int | None:
    """The elements of a selection that can be larger than its input (repeat_interleave,
    index_select, gather), told from the arguments; None for the others, or for arguments
    torch will refuse in its own words."""
    names = {"repeat_interleave": ("repeats", "dim"), "index_select": ("dim", "index"),
             "gather": ("dim", "index")}.get(attr)
    if names is None:
        return None
    named = dict(zip(names, args, strict=False)) | kwargs
    try:
        if attr == "gather":
            return int(named["index"].numel())
        dim = named.get("dim")
        rows = t.numel() if dim is None else t.shape[dim]
        rest = 1 if dim is None else t.numel() // max(rows, 1)
        if attr == "index_select":
            return int(named["index"].numel()) * rest
        repeats = named["repeats"]
        total = int(repeats.sum()) if isinstance(repeats, torch.Tensor) and repeats.numel() > 1 \
            else int(repeats) * rows
        return total * rest
    except (KeyError, IndexError, TypeError, ValueError, RuntimeError, AttributeError):
        return None


def _gather_key(index: torch.Tensor, dim: int) -> tuple[torch.Tensor, ...]:
    """The advanced-indexing key that picks what x.gather(dim, index) picks: index along
    dim, each place's own position along the other dimensions."""
    grids = torch.meshgrid(*(torch.arange(n) for n in index.shape), indexing="ij")
    return tuple(index if d == dim else grids[d] for d in range(index.dim()))


__all__ = ["ALONG", "SELECTING", "SelectingCalls"]
