"""torch calls whose argument order is not a registry node's (tensors in port order, then
params as keywords): each takes the tensors first and calls torch in its own order. torch is
imported on first call, as in engine/ops.py, so the window can appear before it loads."""

from __future__ import annotations

from typing import Any


def layer_normed(input: Any, weight: Any, bias: Any,  # noqa: A002 - torch's name
                 normalized_shape: Any = (1,), eps: float = 1e-5) -> Any:
    """F.layer_norm(input, normalized_shape, weight, bias, eps)."""
    import torch.nn.functional as F  # noqa: N812 - torch's own short name

    return F.layer_norm(input, normalized_shape, weight, bias, eps)


def einsum_of_two(input: Any, other: Any, equation: str = "ij,jk->ik") -> Any:  # noqa: A002
    """torch.einsum(equation, input, other)."""
    import torch

    return torch.einsum(equation, input, other)
