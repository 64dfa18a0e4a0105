"""Forms met in a round of unseen learner code, each against plain torch in a subprocess:
`_ = x.grad.zero_()` (a notebook keeping the call's answer out of the display) zeroes the
gradient as the call of its own line does, and the name holds that .grad; and `.data`
changed in place by an activation (`a.data.sigmoid_()`), which autograd does not see: a
later backward through a graph that saved `a` uses the new numbers; a hook returning
`torch.zeros(grad.shape)` or `torch.ones(grad.size())` (a tensor of the default dtype); and
`from torch.functional import F`, which is torch.nn.functional (torch.functional imports it)."""

from __future__ import annotations

import math
from typing import Any

from snippet_agreement import agreement_tests

SNIPPETS = {
    'a_zeroed_grad_bound_to_a_name': """import torch
x = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float16, requires_grad=True)
out = x ** 2 + 5 * x + 9
out.backward(torch.tensor([1.0, 2.0, 3.0], dtype=torch.float16))
print('Gradient:', x.grad.detach())
_ = x.grad.zero_()
y = torch.tensor([1.0, 2.0], requires_grad=True)
(y * 3).sum().backward()
g = y.grad.data.fill_(0)
(y * y).sum().backward()
print(g)
""",
    'data_changed_by_an_activation_in_place': """import torch
a = torch.tensor([[0.5, -1.0], [2.0, 0.0]], requires_grad=True)
b = torch.ones(2, 2, requires_grad=True)
c = a * b
d = a.data.sigmoid_()
print(d.requires_grad, a)
c.sum().backward()
a.data.tanh_()
(a * 2).sum().backward()
""",
    'a_hook_returning_ones_of_the_gradients_shape': """import torch
w = torch.tensor([1.0, 2.0], requires_grad=True)
b = torch.tensor([0.5], dtype=torch.float64, requires_grad=True)
w.register_hook(lambda grad: torch.ones(grad.size()) * 3)
y = (w * 2).sum() + (b * 4).sum()
y.backward()
print(w.grad, b.grad)
""",
    'functional_imported_through_torch_functional': """import torch
from torch.functional import F
x = torch.tensor([1.0, -2.0, 0.5], requires_grad=True)
(F.relu(x) * F.sigmoid(x)).sum().backward()
print(x.grad)
""",
}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    zeroed = reference["a_zeroed_grad_bound_to_a_name"]["grads"]
    assert zeroed["x"] == [0.0, 0.0, 0.0] and zeroed["y"] == [2.0, 4.0]
    assert reference["a_hook_returning_ones_of_the_gradients_shape"]["grads"]["w"] == [3.0, 3.0]
    data = reference["data_changed_by_an_activation_in_place"]["grads"]
    # b's gradient is a's numbers as the backward found them: sigmoid(0.5), written in place
    assert abs(data["b"][0][0] - 1 / (1 + math.exp(-0.5))) < 1e-6
