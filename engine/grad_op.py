"""The gradient as a node of the graph: `torch.autograd.grad(output, input, seed,
create_graph=True)[0]`, for a second-order derivative (a grad of a grad, a gradient penalty).

With create_graph=True torch records the gradient's own computation, so the answer is a
tensor like any other and later ops, backward and autograd.grad differentiate it again. Here
it is one registry op with three ports: `output` (the tensor differentiated), `input` (what
it is differentiated by) and `seed` (v of vᵀJ, ones for a one-element output). The real
torch call runs, so the numbers and the errors are torch's.

How its gradient travels back is the thing to know when reading a replay: the graph torch
records for the gradient is made of the backward formulas of `output`'s ops, and those reuse
the tensors the forward saved (x of x³, eˣ of exp). A gradient of the answer therefore flows
back along that recorded graph into those ops and saved tensors. Where one autograd node of
that graph sends a gradient straight to `output` or `input` (a saved tensor that is that
very tensor), the node's edge from it shows it; the rest reaches earlier ops past every edge.

No torch import at module level, as in engine/ops.py.
"""

from __future__ import annotations

from typing import Any

GRAD_OP = "grad"
PORTS = ("output", "input", "seed")
SYMBOL = "∂"
DESCRIPTION = ("the gradient of output by input for the seed v (vᵀJ), kept as a graph of its "
               "own so it can be differentiated again: torch.autograd.grad(output, input, v, "
               "create_graph=True)[0]")
CATEGORY = "gradients"

_ALONG = ("the gradient of a gradient goes back through the graph torch recorded for it (the "
          "backward formulas of output's ops, on the tensors they saved); this edge carries "
          "what that graph sends straight to this input, where one place of it does")
RULES: dict[str, dict[str, tuple[str, str]]] = {
    GRAD_OP: {port: ("—", _ALONG) for port in PORTS},
}


def gradient_of(output: Any, input: Any, seed: Any) -> Any:  # noqa: A002 - torch's word
    """torch.autograd.grad(output, input, seed, create_graph=True)[0], with grad mode on
    (the answer needs its graph wherever it is computed)."""
    import torch  # deferred: see the module docstring

    with torch.enable_grad():
        (answer,) = torch.autograd.grad(output, input, seed, create_graph=True)
    return answer


def spec_fields() -> list[dict[str, Any]]:
    """The OpSpec keyword arguments of the op."""
    return [{"name": GRAD_OP, "torch_name": "autograd.grad", "inputs": PORTS, "symbol": SYMBOL,
             "description": DESCRIPTION, "category": CATEGORY, "impl": gradient_of}]


def shape(shapes: list[tuple[int, ...]]) -> tuple[int, ...]:
    """The answer has the shape of `input` (torch checks the seed against output)."""
    return shapes[1]


def code(args: list[str]) -> str:
    """The line a script writes for it."""
    output, input_, seed = args
    return f"torch.autograd.grad({output}, {input_}, {seed}, create_graph=True)[0]"


__all__ = ["CATEGORY", "GRAD_OP", "PORTS", "RULES", "code", "gradient_of", "shape",
           "spec_fields"]
