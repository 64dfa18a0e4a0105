"""torch calls of registry ops that are not one torch function: those whose argument order is
not a registry node's (tensors in port order, then params as keywords), which take the tensors
first and call torch in its own order, and the few ops made of two torch steps (a hook's
scaling, an assignment into a copy). torch is imported on first call, as in engine/ops.py, so
the window can appear before it loads."""

from __future__ import annotations

from typing import Any


def layer_normed(input: Any, weight: Any, bias: Any,  # noqa: A002 - torch's name
                 normalized_shape: Any = (1,), eps: float = 1e-5) -> Any:
    """F.layer_norm(input, normalized_shape, weight, bias, eps)."""
    import torch.nn.functional as F  # noqa: N812 - torch's own short name

    return F.layer_norm(input, normalized_shape, weight, bias, eps)


def cross_entropy_weighted(input: Any, target: Any,  # noqa: A002 - torch's name
                           reduction: str = "mean", weight: Any = (),
                           label_smoothing: float = 0.0, ignore_index: int = -100) -> Any:
    """F.cross_entropy with weight= given as the numbers of a tensor of the input's dtype
    (none when empty)."""
    import torch
    import torch.nn.functional as F  # noqa: N812 - torch's own short name

    return F.cross_entropy(input, target, reduction=reduction, label_smoothing=label_smoothing,
                           weight=torch.tensor(weight, dtype=input.dtype) if weight else None,
                           ignore_index=ignore_index)


def bce_with_logits_weighted(input: Any, target: Any,  # noqa: A002 - torch's name
                             reduction: str = "mean", pos_weight: Any = ()) -> Any:
    """F.binary_cross_entropy_with_logits with pos_weight= as the numbers of a tensor of the
    input's dtype (none when empty)."""
    import torch
    import torch.nn.functional as F  # noqa: N812 - torch's own short name

    weights = torch.tensor(pos_weight, dtype=input.dtype) if pos_weight else None
    return F.binary_cross_entropy_with_logits(input, target, reduction=reduction,
                                              pos_weight=weights)


def einsum_of_two(input: Any, other: Any, equation: str = "ij,jk->ik") -> Any:  # noqa: A002
    """torch.einsum(equation, input, other)."""
    import torch

    return torch.einsum(equation, input, other)


def scaled_gradient(tensor: Any, scale: float, added_at_call: int = 0,
                    removed_at_call: int = 0, gradient: str = "") -> Any:
    """Forward: the same values. Backward: the gradient times `scale`, computed as torch
    computes `g * k` in a hook `lambda g: g * k` (the product of the gradient and a number);
    with a `gradient` expression, that expression of the gradient, computed by torch while
    backward runs (engine/expression_backward.py).
    In the calls outside [added_at_call, removed_at_call) the run passes the gradient past
    the hook unchanged (engine/hook_windows.py), as torch does with no hook registered."""
    if gradient:
        from engine.expression_backward import hooked  # deferred: see the module docstring

        return hooked(tensor, gradient)
    fixed = tensor.detach()
    return fixed + (tensor - fixed) * scale


def custom_gradient(output: Any, input: Any,  # noqa: A002 - the port's name
                    gradient: str = "g", function: str = "Function") -> Any:
    """output's values; backward gives input `gradient` of what arrives (a custom Function's
    own backward, engine/expression_backward.py) and the forward's ops nothing."""
    from engine.expression_backward import custom_backward  # deferred: see the docstring
    from engine.grad_expression import FUNCTION_NAMES, names_used

    saves = tuple(n for n in FUNCTION_NAMES[1:] if n in names_used(gradient, FUNCTION_NAMES))
    return custom_backward(output, input, gradient, saves)


def assigned(input: Any, values: Any, index: Any) -> Any:  # noqa: A002 - torch's name
    """`out[index] = values` on a copy of out: the gradient of out is zero at the set places,
    and values get those places' gradient, as torch's CopySlices gives them."""
    out = input.clone()
    out[index] = values
    return out


def overwritten(input: Any, values: Any) -> Any:  # noqa: A002 - torch's name
    """input with its numbers replaced by values, its gradient passed through unchanged: what
    `input.detach().copy_(values)` (or `d = input.detach(); d *= 3`) leaves in input."""
    import torch  # deferred: see the module docstring

    out = input.clone()
    with torch.no_grad():
        out.copy_(values)
    return out


def concatenated(first: Any, second: Any, dim: int = 0) -> Any:
    """torch.cat([first, second], dim): the binary step of a torch.cat of several tensors."""
    import torch  # deferred: see the module docstring

    return torch.cat([first, second], dim)
