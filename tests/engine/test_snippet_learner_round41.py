"""Forms met in unseen learner code, each against plain torch in a subprocess: masks combined
with `&`, `|`, `^` and `~` (values, no derivative) and Python's integer bit operators; an
initialiser of nn.init given a parameter's `.data`, in a loop over `self.model.modules()`, in
its deprecated spelling without the underscore (`nn.init.xavier_uniform`); `w.data[0] = ...`
before any use and as a training step; torch.tensor([x]) of a one-element tensor (its one
number), and of larger ones (torch's ValueError); asserts on a .grad before a training step.
"""

from __future__ import annotations

from typing import Any

from snippet_agreement import agreement_tests

SNIPPETS = {
    'masks_combined_with_bit_operators': """import torch
X = torch.arange(-6, 6, 1).view(-1, 1).type(torch.FloatTensor)
Y = torch.zeros(X.shape[0])
inside = (X[:, 0] > -4) & (X[:, 0] < 4)
Y[inside] = 1.0
print(X // 4, ~inside, inside | (X[:, 0] > 4), inside ^ inside)
w = torch.tensor(2.0, requires_grad=True)
loss = ((w * X[:, 0] - Y) ** 2)[inside | (X[:, 0] == 5)].sum()
loss.backward()
print(w.grad)
""",
    'integer_bit_operators_on_plain_numbers': """import torch
n = 12
scale = (n >> 2) + (n & 5) - (n | 1) + (n ^ 3) + (1 << 3)
x = torch.tensor([1.0, -2.0], requires_grad=True)
(x * scale).pow(2).sum().backward()
print(scale, x.grad)
""",
    'deprecated_initialiser_on_the_data_of_each_linear': """import torch
torch.manual_seed(100)
class Net(torch.nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.model = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.Sigmoid(),
                                         torch.nn.Linear(2, 1))
        self._initialize_weights()
    def forward(self, X):
        return self.model(X)
    def _initialize_weights(self):
        for m in self.model.modules():
            if isinstance(m, torch.nn.Linear):
                torch.nn.init.xavier_uniform(m.weight.data)
                torch.nn.init.constant_(m.bias.data, 0)
net = Net()
x = torch.ones(4, 3)
net(x).sum().backward()
print(net.model[0].weight.grad, net.model[2].bias)
""",
    'initialiser_on_a_parameters_data': """import torch
torch.manual_seed(0)
fc = torch.nn.Linear(3, 2)
torch.nn.init.normal_(fc.weight.data, 0.0, 0.1)
torch.nn.init.zeros_(fc.bias.data)
x = torch.tensor([[1.0, -2.0, 0.5]])
(torch.tanh(fc(x)) ** 2).sum().backward()
print(fc.weight, fc.weight.grad)
""",
    'item_assignment_on_data_before_use_and_as_a_step': """import torch
torch.manual_seed(0)
fc = torch.nn.Linear(3, 2)
fc.weight.data[0] = 0.5
w = torch.randn(3, 2, requires_grad=True)
x = torch.tensor([1.0, 2.0, 3.0])
for step in range(3):
    loss = (x @ w + fc(x)).pow(2).sum()
    loss.backward()
    w.data[0] = w.data[0] - 0.1 * w.grad[0]
    w.data[:, 1] = 0.5
    w.grad.zero_()
    fc.weight.grad.zero_()
loss = (x @ w + fc(x)).pow(2).sum()
loss.backward()
print(w, w.grad, fc.weight.grad)
""",
    'one_element_tensor_wrapped_again_each_step_after_an_assert': """import torch
torch.manual_seed(0)
x = torch.tensor(3.0, requires_grad=True)
y = x ** 2
y.backward()
assert x.grad == 6.0
x = torch.randn(1)
for i in range(20):
    x = torch.tensor([x], requires_grad=True)
    loss = (x - 4) ** 2
    loss.backward()
    x = x.item() - 0.1 * x.grad
print(x)
""",
    'an_assert_on_a_grad_that_fails_before_a_step': """import torch
w = torch.tensor([1.0, 2.0], requires_grad=True)
(w * w).sum().backward()
assert torch.allclose(w.grad, torch.tensor([2.0, 5.0])), "unexpected gradient"
with torch.no_grad():
    w -= 0.1 * w.grad
(w * w).sum().backward()
""",
    'tensors_of_several_elements_in_torch_tensor': """import torch
a = torch.tensor([1.0, 2.0], requires_grad=True)
b = torch.tensor([3.0, 4.0])
(a * b).sum().backward()
print(a.grad)
c = torch.tensor([a.detach(), b])
""",
}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    # inside: -3..3 and 5 -> 8 points; d/dw sum (w x - y)^2 = sum 2 x (w x - y)
    xs, ys = [-3, -2, -1, 0, 1, 2, 3, 5], [1, 1, 1, 1, 1, 1, 1, 0]
    assert reference["masks_combined_with_bit_operators"]["grads"]["w"] == sum(
        2 * x * (2 * x - y) for x, y in zip(xs, ys, strict=True))
    scale = 3 + 4 - 13 + 15 + 8
    assert reference["integer_bit_operators_on_plain_numbers"]["grads"]["x"] == [
        2 * scale * scale * 1.0, 2 * scale * scale * -2.0]
    # constant_ of the .data set the parameter itself: the bias torch prints is 0
    printed = reference["deprecated_initialiser_on_the_data_of_each_linear"]["stdout"]
    assert "tensor([0.], requires_grad=True)" in printed
    # (x - 4)^2 by steps of 0.2 (x - 4): x goes to 4 while keeping its one element
    assert reference["one_element_tensor_wrapped_again_each_step_after_an_assert"]["stdout"] \
        .startswith("tensor([3.9")
    assert reference["an_assert_on_a_grad_that_fails_before_a_step"]["error"] == {
        "type": "AssertionError", "message": "unexpected gradient"}
    assert reference["tensors_of_several_elements_in_torch_tensor"]["error"] == {
        "type": "ValueError", "message": "only one element tensors can be converted to Python "
                                         "scalars"}
