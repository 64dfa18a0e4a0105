"""A loss's tensor options (F.cross_entropy's weight=, binary_cross_entropy_with_logits'
pos_weight=, and their nn modules'): the registry holds their numbers as a param, so a tensor
given there becomes its list of numbers once torch has seen it with the loss's inputs."""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

import torch

from engine.snippets.safety import error_at, raised_at
from engine.snippets.values import Py, Value

# the ops taking a tensor option, and its name
TENSOR_OPTIONS = {"cross_entropy": "weight", "binary_cross_entropy_with_logits": "pos_weight",
                  "multi_margin_loss": "weight", "multilabel_soft_margin_loss": "weight"}


def weights_as_numbers(op: str, inputs: list[Any], params: dict[str, Any],
                       node: ast.AST) -> dict[str, Any]:
    """params with the op's tensor option as its numbers (None, torch's default, dropped).
    torch's own words where it refuses the tensor with these inputs; a tensor it takes but
    the registry cannot hold as numbers of the input's dtype is refused saying so."""
    name = TENSOR_OPTIONS.get(op)
    if name is None or name not in params:
        return params
    out = dict(params)
    given = out.pop(name)
    if given is None:
        return out
    if not isinstance(given, torch.Tensor):
        raise error_at(node, f"{name}= is read as a tensor, e.g. torch.tensor([1.0, 2.0])")
    first = inputs[0] if inputs and isinstance(inputs[0], torch.Tensor) else None
    if given.dim() != 1 or first is None or given.dtype != first.dtype:
        try:  # torch's own checks of the tensor with these inputs
            getattr(torch.nn.functional, op)(*inputs, **{name: given})
        except Exception as exc:  # noqa: BLE001 - torch's own words
            raise raised_at(node, exc) from None
        dtype = "" if first is None else f" ({str(first.dtype).removeprefix('torch.')})"
        raise error_at(node, f"{name}= is read as a 1-d tensor of the input's dtype{dtype}")
    out[name] = given.tolist()
    return out


def legacy_reduction(kwargs: dict[str, Value], plain: Callable[[Value], Any]
                     ) -> dict[str, Value]:
    """`nn.MSELoss(size_average=False)` (old tutorials): torch's own mapping of the
    deprecated size_average= and reduce= to reduction=, which they override, as in torch."""
    legacy = {k: plain(kwargs[k]) for k in ("size_average", "reduce") if k in kwargs}
    if not legacy:
        return kwargs
    from torch.nn import _reduction  # torch's mapping of the deprecated arguments

    reduction = _reduction.legacy_get_string(legacy.get("size_average"),
                                             legacy.get("reduce"), emit_warning=False)
    return {**{k: v for k, v in kwargs.items() if k not in legacy}, "reduction": Py(reduction)}
