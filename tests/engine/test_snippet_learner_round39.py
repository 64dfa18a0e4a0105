"""Forms met in unseen learner code, each against plain torch in a subprocess: a model class
whose __init__ passes `*args, **kwargs` on to `super().__init__`; `requires_grad_()` on an
integer tensor a graph used (torch's own error, at run time)."""

from __future__ import annotations

from typing import Any

from snippet_agreement import agreement_tests

SNIPPETS = {
    'init_arguments_passed_on_to_the_module': """import torch
import torch.nn.functional as F
torch.manual_seed(0)
x_data = torch.Tensor([[1.0], [2.0], [3.0]])
y_data = torch.Tensor([[0], [0], [1]])
class LogisticRegressionModel(torch.nn.Module):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.linear = torch.nn.Linear(1, 1)
    def forward(self, x):
        return F.sigmoid(self.linear(x))
model = LogisticRegressionModel()
criterion = torch.nn.BCELoss(reduction='sum')
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
for epoch in range(3):
    loss = criterion(model(x_data), y_data)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
print(model.linear.weight.grad)
""",
    'init_arguments_given_to_a_module_that_takes_none': """import torch
class M(torch.nn.Module):
    def __init__(self, *a):
        super().__init__(*a)
M(3)
""",
    'requires_grad_on_an_integer_tensor_already_used': """import torch
import torch.nn.functional as F
x = torch.ones(1)
w = torch.full([1], 2)
print(x, w)
mse = F.mse_loss(torch.ones(1), x * w)
w.requires_grad_()
""",
}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    assert reference["init_arguments_given_to_a_module_that_takes_none"]["error"] == {
        "type": "TypeError",
        "message": "M.__init__() takes 1 positional argument but 2 were given"}
    assert reference["requires_grad_on_an_integer_tensor_already_used"]["error"]["message"] \
        == "only Tensors of floating point dtype can require gradients"
