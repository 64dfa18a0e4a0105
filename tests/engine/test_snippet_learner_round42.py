"""Forms met in unseen learner code, each against plain torch in a subprocess: in-place
methods chained on a parameter's `.data` (`w.data.mul_(0.5).add_(1)`: each returns w.data),
before any use and as a hand-written step; masks made with torch.logical_not/and/or/xor; the
deprecated size_average= and reduce= of a functional loss; torch.nansum and torch.nanmean;
complex numbers, refused as such; the deprecated `x.resize_as(y)`; timeit's default_timer; a
parameter's `.data` kept under a name and written through it (`w = net.fc.weight.data`); an
in-place write on a slice of a leaf that requires grad (torch's error, at run time)."""

from __future__ import annotations

from typing import Any

import pytest
from snippet_agreement import agreement_tests

from engine.snippets.reader import ImportError_, import_snippet

SNIPPETS = {
    'in_place_methods_chained_on_data': """import torch
torch.manual_seed(0)
fc = torch.nn.Linear(3, 2)
fc.weight.data.mul_(0.5).add_(1).clamp_(max=1.2)
x = torch.tensor([[1.0, -2.0, 0.5]])
for step in range(3):
    loss = torch.tanh(fc(x)).pow(2).sum()
    loss.backward()
    fc.weight.data.sub_(0.1 * fc.weight.grad).mul_(0.99)
    fc.weight.grad.zero_()
loss = torch.tanh(fc(x)).pow(2).sum()
loss.backward()
print(fc.weight, fc.weight.grad)
""",
    'nan_masked_out_with_logical_not': """import torch
from torch import nn
L = nn.MSELoss(reduction="none")
x = torch.zeros(3, requires_grad=True)
y = torch.Tensor([1.0, torch.nan, -2.0])
mask = torch.logical_not(torch.isnan(y))
keep = torch.logical_and(mask, torch.logical_or(y > 0, y < -1))
loss = L(x[keep], y[keep]).sum()
loss.backward()
print(x.grad, torch.logical_xor(mask, keep))
""",
    'functional_loss_with_the_deprecated_size_average': """import torch
a = torch.tensor([-1.0, 0.5, 2.0], dtype=torch.float64, requires_grad=True)
b = torch.tensor([0.0, 0.0, 1.0], dtype=torch.float64)
loss = torch.nn.functional.l1_loss(a, b, size_average=False) + \
    torch.nn.functional.mse_loss(a, b, reduce=True, size_average=True)
loss.backward()
print(a.grad)
""",
    'sums_and_means_that_leave_nan_out': """import torch
x = torch.tensor([[1.0, float('nan'), 3.0], [4.0, 5.0, float('nan')]], requires_grad=True)
y = torch.nanmean(x * 2, dim=1).sum() + x.nansum(dim=0, keepdim=True).pow(2).sum() \
    + (x ** 2).nanmean()
y.backward()
print(x.grad)
""",
    'weights_shaped_with_the_deprecated_resize_as_and_a_timer': """import torch
from timeit import default_timer as timer
import timeit
start = timer()
d = torch.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
f = (d * 2).view(2, 2)
weight = torch.tensor([1, 0.1, 0.01, 0.001], dtype=torch.float).resize_as(f)
f.backward(weight)
print(d.grad, timer() - start >= 0, timeit.default_timer() >= start)
""",
    'in_place_write_on_a_slice_of_a_leaf': """import torch
weights = torch.ones(6, 6).requires_grad_()
corner = weights[3:, 3:]
print(corner.shape)
corner *= 10
corner.sum().backward()
""",
    'a_parameters_data_kept_under_a_name_and_written': """import torch
torch.manual_seed(0)
class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(3, 2)
    def forward(self, x):
        return torch.tanh(self.fc(x))
net = Net()
w = net.fc.weight.data
w.mul_(2)
w[1] = 0.25
x = torch.tensor([[1.0, -2.0, 0.5]])
(net(x) ** 2).sum().backward()
print(net.fc.weight, net.fc.weight.grad)
""",
}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    # every weight starts at most 1.2 (the clamp), and the steps only shrink them
    printed = reference["in_place_methods_chained_on_data"]["stdout"]
    numbers = [float(t) for t in printed.split("[[")[1].split("]]")[0]
               .replace("]", "").replace("[", "").split(",")]
    assert len(numbers) == 6 and max(numbers) <= 1.2
    assert reference["in_place_write_on_a_slice_of_a_leaf"]["error"]["message"].startswith(
        "a view of a leaf Variable that requires grad is being used in an in-place operation")
    assert reference["weights_shaped_with_the_deprecated_resize_as_and_a_timer"]["grads"][
        "d"] == pytest.approx([2.0, 0.2, 0.02, 0.002])
    # x[0, 0] = 1: 2 / 2 from its row's nanmean, 2 (1 + 4) from its column's nansum squared,
    # 2 x / 4 from the nanmean of the four squares that are not NaN
    grad = reference["sums_and_means_that_leave_nan_out"]["grads"]["x"]
    assert grad[0][0] == pytest.approx(1 + 10 + 0.5)
    # |a - b| summed: sign(a - b); the mean square: 2 (a - b) / 3
    assert reference["functional_loss_with_the_deprecated_size_average"]["grads"]["a"] == \
        pytest.approx([-1 - 2 / 3, 1 + 1 / 3, 1 + 2 / 3])


def test_complex_numbers_are_refused_as_complex_numbers() -> None:
    with pytest.raises(ImportError_, match="is the complex number 0j: Gradflow computes with "
                                           "real numbers"):
        import_snippet("import torch\nx = torch.tensor([0.0 + 0.0j, 1.0], requires_grad=True)\n"
                       "x.abs().sum().backward()\n")
