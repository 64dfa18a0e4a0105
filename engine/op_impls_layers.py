"""torch calls of the layer ops (engine/ops_layers.py) whose registry form is not torch's
argument order: a convolution's padding='same' held as a flag, a transposed convolution's
per-dim settings as tuples, batch norm's running
statistics held as numbers, einsum of one or three tensors with the equation first. Each is
torch's own function, so torch's own backward runs. torch is imported on first call, as in
engine/ops.py, so the window can appear before it loads."""

from __future__ import annotations

from typing import Any


def _convolved(fn_name: str, input: Any, weight: Any, bias: Any,  # noqa: A002 - torch's name
               stride: Any, padding: Any, dilation: Any, groups: int,
               padding_same: bool) -> Any:
    import torch.nn.functional as F  # noqa: N812 - torch's own short name

    fn = getattr(F, fn_name)
    return fn(input, weight, bias, tuple(stride), "same" if padding_same else tuple(padding),
              tuple(dilation), groups)


def conv1d(input: Any, weight: Any, bias: Any, stride: Any = (1,),  # noqa: A002
           padding: Any = (0,), dilation: Any = (1,), groups: int = 1,
           padding_same: bool = False) -> Any:
    """F.conv1d(input, weight, bias, stride, padding or 'same', dilation, groups)."""
    return _convolved("conv1d", input, weight, bias, stride, padding, dilation, groups,
                      padding_same)


def conv2d(input: Any, weight: Any, bias: Any, stride: Any = (1, 1),  # noqa: A002
           padding: Any = (0, 0), dilation: Any = (1, 1), groups: int = 1,
           padding_same: bool = False) -> Any:
    """F.conv2d(input, weight, bias, stride, padding or 'same', dilation, groups)."""
    return _convolved("conv2d", input, weight, bias, stride, padding, dilation, groups,
                      padding_same)


def _transposed(fn_name: str, input: Any, weight: Any, bias: Any,  # noqa: A002
                stride: Any, padding: Any, output_padding: Any, groups: int,
                dilation: Any) -> Any:
    import torch.nn.functional as F  # noqa: N812 - torch's own short name

    fn = getattr(F, fn_name)  # torch's order: groups before dilation
    return fn(input, weight, bias, tuple(stride), tuple(padding), tuple(output_padding),
              groups, tuple(dilation))


def conv_transpose1d(input: Any, weight: Any, bias: Any,  # noqa: A002 - torch's name
                     stride: Any = (1,), padding: Any = (0,), output_padding: Any = (0,),
                     groups: int = 1, dilation: Any = (1,)) -> Any:
    """F.conv_transpose1d(input, weight, bias, stride, padding, output_padding, groups,
    dilation)."""
    return _transposed("conv_transpose1d", input, weight, bias, stride, padding,
                       output_padding, groups, dilation)


def conv_transpose2d(input: Any, weight: Any, bias: Any,  # noqa: A002 - torch's name
                     stride: Any = (1, 1), padding: Any = (0, 0),
                     output_padding: Any = (0, 0), groups: int = 1,
                     dilation: Any = (1, 1)) -> Any:
    """F.conv_transpose2d(input, weight, bias, stride, padding, output_padding, groups,
    dilation)."""
    return _transposed("conv_transpose2d", input, weight, bias, stride, padding,
                       output_padding, groups, dilation)


def batch_normed(input: Any, weight: Any, bias: Any,  # noqa: A002 - torch's name
                 training: bool = True, running_mean: Any = (), running_var: Any = (),
                 eps: float = 1e-5) -> Any:
    """F.batch_norm: in training, the batch's own statistics (the running ones are updated
    by the reader, which holds them); in evaluation, the running statistics given as numbers,
    made tensors of the input's dtype."""
    import torch
    import torch.nn.functional as F  # noqa: N812 - torch's own short name

    if training:
        return F.batch_norm(input, None, None, weight, bias, True, 0.0, eps)
    mean = torch.tensor(running_mean, dtype=input.dtype, device=input.device)
    var = torch.tensor(running_var, dtype=input.dtype, device=input.device)
    return F.batch_norm(input, mean, var, weight, bias, False, 0.0, eps)


def einsum_of_one(input: Any, equation: str = "ii->i") -> Any:  # noqa: A002 - torch's name
    """torch.einsum(equation, input)."""
    import torch

    return torch.einsum(equation, input)


def einsum_of_three(input: Any, other: Any, third: Any,  # noqa: A002 - torch's name
                    equation: str = "ij,jk,kl->il") -> Any:
    """torch.einsum(equation, input, other, third)."""
    import torch

    return torch.einsum(equation, input, other, third)
