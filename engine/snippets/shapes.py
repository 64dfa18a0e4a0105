"""The shape and dtype of an op's output while a snippet is read, told by plain rules.

The importer keeps a meta tensor (shape and dtype, no numbers) per node for size checks and
shape questions. Asking torch on the meta device costs 0.1-1 ms an op, and its first
elementwise or reduction call imports sympy (≈ 0.6 s that `python snippet.py` never pays), so
the registry's ops on float tensors of one dtype are told here; anything else (int tensors,
mixed dtypes, indexing) is left to torch. Where torch would refuse (shapes that do not
broadcast, a dim out of range) the answer is None and torch says it at run time, in its words.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch

from engine.shape_rules import ASK_TORCH, CLASS_LOSSES, rule_shape

__all__ = ["ASK_TORCH", "output_meta"]


def output_meta(op: str, inputs: list[Any], params: Mapping[str, Any]) -> Any:
    """A meta tensor for op's output, None where torch will refuse, or ASK_TORCH."""
    tensors = [m for m in inputs if isinstance(m, torch.Tensor)]
    if op in CLASS_LOSSES:
        tensors = tensors[:1]  # the target holds class indices (int64) or probabilities
    if not tensors or any(isinstance(m, bool) or not isinstance(m, torch.Tensor | int | float)
                          for m in inputs):
        return ASK_TORCH
    if op in ("maximum", "minimum") and len(tensors) != len(inputs):
        return None  # torch.maximum takes tensors only
    dtype = tensors[0].dtype
    if not dtype.is_floating_point or any(t.dtype != dtype for t in tensors):
        return ASK_TORCH
    shape = rule_shape(op, [tuple(t.shape) if isinstance(t, torch.Tensor) else () for t in inputs],
                   params)
    if shape is ASK_TORCH or shape is None:
        return shape
    for t in tensors:  # the same descriptor as an input: no new object
        if tuple(t.shape) == shape:
            return t
    return torch.empty(shape, dtype=dtype, device="meta")


