"""Forms met in unseen learner code, each against plain torch in a subprocess: a notebook
line that shows a tuple of calls (`w.grad.zero_(), b.grad.zero_()`), whose calls change the
grads as the script's do; a leaf's .grad kept through requires_grad_(False) and
requires_grad_(True), as torch keeps it on the same tensor, and added to by a later
backward; an attribute of the script's own set on a tensor (`c.grdd = None`, a typo of
.grad that Python accepts), read back as Python reads it; a Jacobian written row by row into
a reshaped new_zeros (a view that nothing else uses), permuted by numpy integers and
checked with np.einsum and np.tensordot; next() of model.parameters(), named_parameters()
and children(), which are generators in torch (it was Python's TypeError for a list), and a
stray editor import from urllib; data drawn with np.random.multivariate_normal, binomial and
poisson (the module's and a default_rng's), in numpy's order."""

from __future__ import annotations

from typing import Any

from snippet_agreement import agreement_tests

SNIPPETS = {
    'grads_zeroed_in_a_shown_tuple': """import torch
w = torch.tensor(1.0, requires_grad=True)
b = torch.tensor(0.0, requires_grad=True)
loss = (w * 3 + b) ** 2
loss.backward()
w.grad, b.grad
w.grad.zero_(), b.grad.zero_()
""",
    'grad_kept_through_requires_grad_off_and_on': """import torch
x = torch.tensor([1.0, 2.0], requires_grad=True)
(x * x).sum().backward()
x.requires_grad_(False)
print(x.grad)
x.requires_grad_(True)
(3 * x).sum().backward()
print(x.grad)
""",
    'tracking_stopped_three_ways_then_a_training_loop': """import torch
torch.manual_seed(0)
x = torch.randn(3, requires_grad=True)
z = ((x + 2) * (x + 2) * 2).mean()
z.backward()
print(x.grad)
x.requires_grad_(False)
print(x)
x.requires_grad_(True)
y = x.detach()
with torch.no_grad():
    y = x + 2
weights = torch.ones(4, requires_grad=True)
for epoch in range(2):
    model_output = (weights * 3).sum()
    model_output.backward()
    print(weights.grad)
    weights.grad.zero_()
""",
    'an_own_attribute_set_on_a_tensor': """import torch
c = torch.tensor([1.0, 2.0], requires_grad=True)
c.grdd = None
c.note = 3
(c * c).sum().backward()
print(c.note, c.grdd, c.grad)
""",
    'jacobian_rows_written_into_a_reshaped_buffer': """import numpy as np
import torch
torch.manual_seed(0)
x = torch.randn(2, 3, requires_grad=True)
out = (x ** 2).sum(dim=1) * torch.tensor([1.0, 2.0])
jac = out.new_zeros(out.size() + x.size()).reshape(-1, *x.size())
for i, o in enumerate(out.view(-1)):
    col = torch.autograd.grad(o, x, retain_graph=True, allow_unused=True)[0]
    jac[i] = col
axes = np.array(range(jac.dim()))
order = np.concatenate([np.roll(axes[:2], 1), axes[2:]])
jac = jac.permute(tuple(order))
print(jac.shape, jac[0, 1])
rows = np.einsum('ijk->jik', jac.numpy())
print(rows.shape, np.tensordot(rows, np.ones(3), axes=1).sum())
""",
    'next_of_a_models_parameters': """import torch
from urllib.robotparser import RequestRate
torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.Tanh(), torch.nn.Linear(2, 1))
first = next(model.parameters())
params = model.parameters()
w0 = next(params)
b0 = next(params)
print(first.shape, w0.shape, b0.shape, len(list(params)))
name, p = next(model.named_parameters())
print(name, type(next(model.children())).__name__)
loss = model(torch.ones(1, 3)).sum()
loss.backward()
print(first.grad)
""",
    'data_drawn_from_numpys_distributions': """import numpy as np
import torch
np.random.seed(0)
a = np.random.multivariate_normal(np.array([1.0, 1.0]), np.eye(2), 5)
b = np.random.binomial(1, 0.5, size=5)
rng = np.random.default_rng(1)
c = rng.multivariate_normal([0.0, 0.0], [[1.0, 0.2], [0.2, 1.0]], 5)
x = torch.tensor(np.concatenate([a, c]), dtype=torch.float32, requires_grad=True)
y = torch.tensor(np.concatenate([b, rng.poisson(2.0, 5)]), dtype=torch.float32)
loss = ((x.sum(1) - y) ** 2).mean()
loss.backward()
print(loss.item(), x.grad)
""",
}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    grads = reference["grads_zeroed_in_a_shown_tuple"]["grads"]
    assert (grads["w"], grads["b"]) == (0.0, 0.0)  # 18 and 6 before the zero_ calls
    assert reference["grad_kept_through_requires_grad_off_and_on"]["grads"]["x"] == [5.0, 7.0]
    assert reference["tracking_stopped_three_ways_then_a_training_loop"]["grads"]["x"] \
        is not None
    assert reference["an_own_attribute_set_on_a_tensor"]["stdout"] == \
        "3 None tensor([2., 4.])\n"
    assert reference["jacobian_rows_written_into_a_reshaped_buffer"]["stdout"].startswith(
        "torch.Size([2, 2, 3])")
    assert reference["next_of_a_models_parameters"]["stdout"].startswith(
        "torch.Size([2, 3]) torch.Size([2, 3]) torch.Size([2]) 2\n0.weight Linear")
    assert len(reference["data_drawn_from_numpys_distributions"]["grads"]["x"]) == 10
