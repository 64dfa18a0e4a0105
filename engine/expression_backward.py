"""The autograd nodes that apply a gradient expression (engine/grad_expression.py) while
torch runs backward.

`hooked(t, text)`: the values of t, as a new tensor whose backward returns the expression of
the gradient arriving at it: what torch does with `t.register_hook(lambda g: <text>)`, since
the hook node is the only use of t in a document (every use of t is moved onto it). The
node's total gradient is the one the hook is given; what it sends to t is what the hook
returns, so the trace shows both.

`custom_backward(output, input, text)`: the values of `output` (a custom Function's forward,
read as torch ops), whose backward sends the expression of the gradient to `input` and
nothing to the forward's ops: torch calls the snippet's own backward instead of
differentiating its forward. The saved tensors the expression reads are saved with
`save_for_backward`, so a second backward after they were freed raises as torch raises.

A hook's node reads `passes`: while it is True the gradient passes unchanged (a hook acting
on some calls only, engine/hook_windows.py).
"""

from __future__ import annotations

from typing import Any

import torch

from engine.grad_expression import GRADIENT, evaluate


class _Hooked(torch.autograd.Function):
    generate_vmap_rule = True  # a batched backward (is_grads_batched) maps the expression

    @staticmethod
    def forward(tensor: torch.Tensor, text: str) -> torch.Tensor:  # type: ignore[override]
        return tensor.clone()

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple[Any, ...], output: Any) -> None:
        ctx.text = inputs[1]
        ctx.passes = False

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[Any, None]:  # type: ignore[override]
        if ctx.passes:
            return grad, None
        return evaluate(ctx.text, {GRADIENT: grad}), None


class _CustomBackward(torch.autograd.Function):
    generate_vmap_rule = True

    @staticmethod
    def forward(output: torch.Tensor, input: torch.Tensor,  # type: ignore[override]  # noqa: A002
                text: str, saves: tuple[str, ...]) -> torch.Tensor:
        return output.detach().clone()

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple[Any, ...], output: Any) -> None:
        out, tensor, ctx.text, ctx.saves = inputs
        given = {"input": tensor, "output": out}
        ctx.save_for_backward(*(given[name] for name in ctx.saves))

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[Any, ...]:  # type: ignore[override]
        saved = dict(zip(ctx.saves, ctx.saved_tensors, strict=True))
        return None, evaluate(ctx.text, {GRADIENT: grad, **saved}), None, None


def hooked(tensor: torch.Tensor, text: str) -> torch.Tensor:
    out = _Hooked.apply(tensor, text)
    assert isinstance(out, torch.Tensor)
    return out


def custom_backward(output: torch.Tensor, input: torch.Tensor,  # noqa: A002 - port name
                    text: str, saves: tuple[str, ...]) -> torch.Tensor:
    out = _CustomBackward.apply(output, input, text, saves)
    assert isinstance(out, torch.Tensor)
    return out


__all__ = ["custom_backward", "hooked"]
