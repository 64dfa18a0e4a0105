"""`type(v)` and `isinstance(v, T)` answer as Python does (engine/snippets/typecheck.py): an
assert on them passes or fails as in plain torch, run in a subprocess."""

from __future__ import annotations

from typing import Any

from snippet_agreement import agreement_tests
from test_corpus import engine_side

H = "import torch\nx = torch.tensor([1.0, 2.0], requires_grad=True)\ny = (x * x).sum()\n"
SNIPPETS = {
    "tensor_and_node_pass": H + """assert isinstance(x, torch.Tensor)
assert isinstance(y.grad_fn, torch.autograd.graph.Node)
assert type(y) == torch.Tensor
assert isinstance(3, (int, float)) and not isinstance(2.5, int)
y.backward()
""",
    "tensor_is_not_a_float": H + """y.backward()
assert isinstance(y, float), "y is a tensor"
""",
    "leaf_has_no_node": H + """assert isinstance(x.grad_fn, torch.autograd.graph.Node)
y.backward()
""",
    "type_displayed_then_backward": H + """type(y)
print(type(x), type(1.5), type([1, 2]))
y.backward()
""",
}


reference, test_matches_plain_torch = agreement_tests(SNIPPETS)


def test_failed_asserts_are_pythons(reference: dict[str, dict[str, Any]]) -> None:
    assert reference["tensor_is_not_a_float"]["error"]["type"] == "AssertionError"
    assert reference["leaf_has_no_node"]["error"]["type"] == "AssertionError"
    assert reference["tensor_and_node_pass"]["grads"]["x"] == [2.0, 4.0]


def test_other_classes_and_node_methods_are_refused_with_what_is_read() -> None:
    ours = engine_side(H + "assert isinstance(x, torch.optim.SGD)\n")
    assert "isinstance with torch.optim.SGD is not read" in ours["refused"]
    assert "torch.Tensor" in ours["refused"]
    ours = engine_side(H + "y.grad_fn.register_hook(lambda gi, go: (go[0] * 2,))\n")
    assert ours["refused"].startswith("line 4, column 1: .grad_fn.register_hook() is not read")
