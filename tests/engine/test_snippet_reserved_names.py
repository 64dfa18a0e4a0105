"""A learner's variable may be called F, nn or torch-like names the generated code keeps for
itself (`F = a * b` in a forum question): the importer gives the node another name instead of
failing, and the numbers equal plain torch's, run in a subprocess."""

from __future__ import annotations

from test_corpus import engine_side
from torch_reference import in_subprocess

COMPUTED = """import torch
a = torch.tensor([10., 10.], requires_grad=True)
b = torch.tensor([20., 20.], requires_grad=True)
F = a * b
F.backward(gradient=torch.tensor([2., 2.]))
"""
LEAF = """import torch
F = torch.tensor([1.0, 2.0], requires_grad=True)
nn = F * 3
nn.sum().backward()
"""


def test_reserved_names_are_renamed_not_fatal() -> None:
    computed, leaf = in_subprocess([COMPUTED, LEAF])
    ours = engine_side(COMPUTED)
    assert ours["error"] is None and ours["grads"] == computed["grads"] == {
        "a": [40.0, 40.0], "b": [20.0, 20.0]}
    ours = engine_side(LEAF)
    (name,) = ours["grads"]
    assert name.startswith("F_") and ours["grads"][name] == leaf["grads"]["F"] == [3.0, 3.0]
