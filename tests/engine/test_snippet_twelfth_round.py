"""Forms met in a twelfth round of learner snippets, each read as plain torch runs it (in a
subprocess): a tensor type kept in a name (`dtype = torch.FloatTensor`, then
`.type(dtype)`), a debugger stop (`pdb.set_trace()`, `breakpoint()`) that the reading goes
past, a place written as two indexes (`x[i][j] = v`, torch writes into x through x[i]),
and two learners' mistakes torch and Python stop at with their own words:
`loss.item().backward()` and an optimizer given one tensor instead of a list; a layer's
weight set by hand (`layer.weight = nn.Parameter(...)`, a plain tensor there is torch's
TypeError)."""

from __future__ import annotations

from typing import Any

from snippet_agreement import agreement_tests
from test_corpus import agrees, engine_side

READ = {
    "a_tensor_type_in_a_name": """import numpy as np
import torch
dtype = torch.FloatTensor
x = torch.from_numpy(np.array([[1.0, 2.0], [3.0, 4.0]])).type(dtype)
w = torch.tensor([0.5, -1.0], requires_grad=True)
loss = (x @ w).pow(2).sum()
loss.backward()
""",
    "weights_set_by_hand": """import torch
from torch import nn
class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(3, 2)
        self.fc2 = nn.Linear(2, 1)
        self.initialize()
    def initialize(self):
        with torch.no_grad():
            self.fc1.weight = nn.Parameter(torch.Tensor([[1., 2., 3.], [-4., -5., -6.]]))
            self.fc1.bias = nn.Parameter(torch.Tensor([1.0, 2.0]))
            self.fc2.weight = nn.Parameter(torch.Tensor([[1.0, -2.0]]))
    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))
model = Model()
model(torch.tensor([[1.0, 1.0, 1.0], [0.5, -1.0, 2.0]])).sum().backward()
lin = nn.Linear(2, 1)
lin.weight = nn.Parameter(torch.tensor([[0.5, -0.5]]))
lin(torch.ones(1, 2)).sum().backward()
""",
    "torch_t_of_a_tensor": """import torch
x = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
w = torch.tensor([[0.5], [-1.0]])
y = torch.t(x) @ w
y.sum().backward()
z = torch.t(torch.ones(2, 3))
assert z.shape == (3, 2)
""",
    "a_copy_of_a_row_changed": """import torch
a = torch.zeros(2, 3)
b = a[0].clone()
b[0] += 1
c = a[[1]]
c.mul_(2)
c += 3
w = torch.ones(3, requires_grad=True)
((a @ w).sum() + (b * w).sum() + (c @ w).sum()).backward()
""",
    "a_place_written_as_two_indexes": """import torch
torch.manual_seed(0)
x = torch.randn(3, 4).requires_grad_(True)
for i in range(3):
    for j in range(4):
        with torch.no_grad():
            x[i][j] = i + j
z = torch.zeros(2, 3, 4)
z[1][2][3] = 5.0
z[0][1] = torch.tensor([1.0, 2.0, 3.0, 4.0])
y = (x ** 2).sum() + (z * x).sum()
y.backward()
""",
}
# a debugger stop waits for a person at a terminal (plain torch in a pipe quits there): the
# reading goes past it, and gives what the same script gives without the stops
WITH_STOPS = """import pdb
import torch
w = torch.tensor(1.0, requires_grad=True)
for step in range(3):
    loss = (w * 2 - 4) ** 2
    loss.backward()
    pdb.set_trace()
    breakpoint()
    with torch.no_grad():
        w -= 0.1 * w.grad
    w.grad.zero_()
"""
WITHOUT_STOPS = WITH_STOPS.replace("    pdb.set_trace()\n    breakpoint()\n", "")
RAISED = {
    "a_function_torch_2_removed": """import torch
A = torch.randn(3, 3)
B = torch.randn(3, 1)
X, _ = torch.lstsq(B, A)
""",
    "a_name_torch_does_not_have": """import torch
x = torch.ones(2, requires_grad=True)
y = torch.not_a_function(x)
""",
    "requires_grad_called": """import torch
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = (x * x).sum()
whole = y.item().is_integer()
assert whole
y.backward()
print(x.requires_grad())
""",
    "shape_called": """import torch
x = torch.ones(2, 3, requires_grad=True)
n = x.shape()
""",
    "a_plain_tensor_as_a_parameter": """import torch
lin = torch.nn.Linear(2, 1)
lin.bias = torch.zeros(1)
""",
    "backward_of_a_python_number": """import torch
x = torch.tensor([1.0], requires_grad=True)
y = torch.sin(x)
z = y.item()
z.backward()
""",
    "an_optimizer_of_one_tensor": """import torch
weights = torch.ones(4, requires_grad=True)
for epoch in range(2):
    out = (weights * 3).sum()
    out.backward()
    optimizer = torch.optim.SGD(weights, lr=0.01)
""",
}


reference, test_agrees_with_plain_torch = agreement_tests(
    {**READ, **RAISED}, also={"without_stops": WITHOUT_STOPS})


def test_a_write_into_a_view_of_another_tensor_is_refused() -> None:
    """torch's b = a[0] shares a's memory: b[0] += 1 changes a as well; rather than give a
    its old numbers, the write is refused, with the forms that are read."""
    for write in ("b[0] += 1", "b.mul_(2)", "b.fill_(5.0)", "b += 1",
                  "with torch.no_grad():\n    b = a.t()\n    b.mul_(2)"):
        refused = engine_side(f"import torch\na = torch.zeros(2, 3)\nb = a[0]\n{write}\n"
                              "w = torch.ones(3, requires_grad=True)\n"
                              "(a @ w).sum().backward()\n")["refused"]
        assert refused.startswith(("line 4, column 1:", "line 6, column 5:")), refused
        assert "a view of another tensor" in refused and "b = a[0].clone()" in refused


def test_a_debugger_stop_is_read_as_nothing(reference: dict[str, dict[str, Any]]) -> None:
    assert "set_trace" not in WITHOUT_STOPS
    verdict = agrees(engine_side(WITH_STOPS), reference["without_stops"])
    assert verdict is None, verdict


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    # d/dw sum((x @ w)^2) = 2 x^T (x @ w); x @ w = [-1.5, -2.5]
    assert reference["a_tensor_type_in_a_name"]["grads"]["w"] == [-18.0, -26.0]
    # x[i][j] = i + j, so d/dx of sum(x^2) + sum(z * x) is 2(i + j) + z, z nonzero at 3 places
    want = [[2.0 * (i + j) for j in range(4)] for i in range(3)]
    want[1] = [2.0 * (1 + j) + j + 1 for j in range(4)]  # z[0][1] = [1, 2, 3, 4]
    want[2][3] = 2.0 * 5 + 5  # z[1][2][3] = 5
    assert reference["a_place_written_as_two_indexes"]["grads"]["x"] == want
    # relu(fc1) is [7, 0] and [5.5, 0] for the two rows: fc2.weight.grad is their sum;
    # lin.weight.grad is the input, ones
    set_by_hand = reference["weights_set_by_hand"]["every_leaf_grad"]
    assert [[12.5, 0.0]] in set_by_hand and [[1.0, 1.0]] in set_by_hand
    assert "cannot assign 'torch.FloatTensor' as parameter 'bias'" in \
        reference["a_plain_tensor_as_a_parameter"]["error"]["message"]
    assert reference["requires_grad_called"]["error"] == {
        "type": "TypeError", "message": "'bool' object is not callable"}
    assert reference["requires_grad_called"]["grads"]["x"] == [2.0, 4.0]
    assert reference["shape_called"]["error"]["message"] == "'torch.Size' object is not callable"
    assert reference["a_name_torch_does_not_have"]["error"] == {
        "type": "AttributeError",
        "message": "module 'torch' has no attribute 'not_a_function'"}
    assert reference["a_function_torch_2_removed"]["error"]["message"].startswith(
        "This function was deprecated since version 1.9 and is now removed.")
    assert reference["torch_t_of_a_tensor"]["grads"]["x"] == [[0.5, 0.5], [-1.0, -1.0]]
    assert reference["without_stops"]["error"] is None
    assert reference["without_stops"]["grads"]["w"] == 0.0  # zeroed after its last step
    assert reference["backward_of_a_python_number"]["error"] == {
        "type": "AttributeError", "message": "'float' object has no attribute 'backward'"}
    assert reference["an_optimizer_of_one_tensor"]["error"]["type"] == "TypeError"
    assert "should be an iterable of Tensors or dicts, but got torch.FloatTensor" in \
        reference["an_optimizer_of_one_tensor"]["error"]["message"]
