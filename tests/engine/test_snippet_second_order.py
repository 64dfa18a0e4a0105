"""create_graph=True (a grad of a grad) is refused where it is written, with why and what to
write instead, on backward and on torch.autograd.grad alike."""

from __future__ import annotations

import pytest
from test_corpus import engine_side

H = "import torch\nx = torch.tensor([2.0], requires_grad=True)\ny = x ** 3\n"


@pytest.mark.parametrize(("call", "column"), [
    ("y.backward(create_graph=True)\n", 25),
    ("g = torch.autograd.grad(y, x, create_graph=True)[0]\n", 44),
    ("(g,) = torch.autograd.grad(outputs=y, inputs=x, create_graph=True)\n", 62),
])
def test_create_graph_is_refused_with_where_why_and_what_instead(call: str, column: int) -> None:
    message = engine_side(H + call)["refused"]
    assert message.startswith(f"line 4, column {column}: create_graph=True is not supported")
    assert "second-order derivative" in message and "outside the computation" in message
    assert "remove create_graph=True" in message
