"""Forms met in unseen learner code, each against plain torch in a subprocess: hasattr of a
parameter a torch module lacks (an nn.ReLU has no weight: False, as torch says), in a loop
that counts a Sequential's parameters; the same attribute read directly, torch's
AttributeError; Python's max and min of tensors, which return the tensor they pick with its
graph (a ReLU written as max(v, 0)); copy.deepcopy of a numpy array of the weights, kept
apart from the weights the steps change."""

from __future__ import annotations

from typing import Any

from snippet_agreement import agreement_tests

SNIPPETS = {
    'parameters_counted_only_on_layers_that_have_weights': """import torch
from torch import nn
torch.manual_seed(42)
model = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 1), nn.Sigmoid())
x = torch.tensor([[0.5, -1.0], [1.5, 2.0]])
loss = nn.BCELoss()(model(x), torch.tensor([[1.0], [0.0]]))
loss.backward()
for i, layer in enumerate(model):
    if hasattr(layer, "weight"):
        print(f"  {layer} -> {layer.weight.numel() + layer.bias.numel()} params")
print(model[0].weight.grad)
""",
    'a_weight_read_of_an_activation': """import torch
act = torch.nn.ReLU()
x = torch.tensor([1.0, -1.0], requires_grad=True)
act(x).sum().backward()
print(x.grad)
print(act.weight)
""",
    'python_max_and_min_of_tensors_pick_the_tensor_itself': """import torch
b = torch.tensor(1., requires_grad=True)
w = torch.tensor(-1., requires_grad=True)
x = torch.tensor(2., requires_grad=True)
a = max(w * x + b, 0)
c = min([x * 3, b + 10, w])
d = max(x, b * 2)
(a + c + d).backward()
print(a, c, d, x.grad, w.grad, b.grad)
try:
    max(torch.ones(2, requires_grad=True), torch.zeros(2))
except RuntimeError as e:
    print(e)
""",
    'a_weight_copied_to_numpy_before_the_steps': """import copy
import numpy as np
import torch
torch.manual_seed(0)
layer = torch.nn.Linear(2, 1, bias=False)
start = copy.deepcopy(layer.weight.detach().numpy())
opt = torch.optim.SGD(layer.parameters(), lr=0.5)
x = torch.tensor([[1.0, 2.0]])
for _ in range(3):
    opt.zero_grad()
    (layer(x) ** 2).sum().backward()
    opt.step()
print(start, layer.weight, np.abs(start - layer.weight.detach().numpy()).sum() > 0)
print(layer.weight.grad)
""",
}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    printed = reference["parameters_counted_only_on_layers_that_have_weights"]["stdout"]
    assert "-> 12 params" in printed and "-> 5 params" in printed and "ReLU() ->" not in printed
    # a = max(-1, 0) = 0, a Python int; c = w; d = x = b * 2: the first of equal items
    grads = reference["python_max_and_min_of_tensors_pick_the_tensor_itself"]["grads"]
    assert (grads["x"], grads["w"], grads["b"]) == (1.0, 1.0, None)
    assert reference["a_weight_copied_to_numpy_before_the_steps"]["stdout"].rstrip().split(
        "\n")[-2].endswith("True")  # the copy kept the start: the steps did not change it
    assert reference["a_weight_read_of_an_activation"]["error"] == {
        "type": "AttributeError", "message": "'ReLU' object has no attribute 'weight'"}
