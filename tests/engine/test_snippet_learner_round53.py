"""Forms met in unseen learner code, each against plain torch in a subprocess: a
TensorDataset of labels computed before the training loop (its DataLoader drawn again each
epoch, after the weights were updated); a def's default number used again after a step (the
number's node had left the graph with the step's); `w.retain_grad = True`, which Python sets
as the tensor's own attribute over the method (calling it then is Python's TypeError);
functorch's older make_functional, its params new parameters of the model's numbers, under
vmap."""

from __future__ import annotations

from typing import Any

from snippet_agreement import agreement_tests

SNIPPETS = {
    'a_data_set_computed_before_the_loop_kept_through_its_steps': """import torch
from torch import nn
import torch.utils.data as Data
torch.manual_seed(0)
features = torch.randn(20, 2)
labels = torch.mm(features, torch.tensor([3.4, 2.1]).view(-1, 1)) + 5.2
labels += torch.normal(0, 0.01, size=labels.shape)
data_iters = Data.DataLoader(Data.TensorDataset(features, labels), 5, shuffle=True)
net = nn.Linear(2, 1)
loss = nn.MSELoss()
optimizer = torch.optim.SGD(net.parameters(), lr=0.03)
for epoch in range(2):
    for x, labels in data_iters:
        l = loss(net(x), labels)
        l.backward()
        optimizer.step()
        net.zero_grad()
    print(epoch, l.item())
print(net.weight)
""",
    'a_defaults_number_used_again_after_a_step': """import torch
class P:
    def __init__(self, n):
        self.w = torch.rand(n)
    def ff(self, x):
        return torch.tensor(1.0) if torch.sum(x * self.w) >= 0 else torch.tensor(0.0)
    def train(self, x, t, lr=0.1):
        out = self.ff(x)
        e = t - out
        self.w += e * x * lr
p = P(2)
xs = torch.tensor([[0.0, 1.0], [1.0, 0.0]])
ts = torch.tensor([0.0, 1.0])
for x, t in zip(xs, ts):
    p.train(x, t)
print(p.w)
""",
    'a_method_name_set_as_an_attribute_of_a_tensor': """import torch
w = torch.tensor([1.0, 2.0], requires_grad=True)
w.retain_grad = True
print(w.retain_grad)
y = (w * 3).sum()
y.backward()
print(w.grad)
w.retain_grad()
""",
    'functorch_make_functional_under_vmap': """import torch
from torch import nn
from functorch import make_functional, grad, vmap
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(1, 4), nn.Tanh(), nn.Linear(4, 1))
fmodel, params = make_functional(model)
def f(x, params):
    return fmodel(params, x.unsqueeze(0)).squeeze(0)
x = torch.linspace(0, 1, 5).reshape(-1, 1)
u = vmap(f, in_dims=(0, None))(x, params)
loss = (u ** 2).mean()
loss.backward()
print(params[0].grad, model[0].weight.grad)
""",
}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    assert reference["a_data_set_computed_before_the_loop_kept_through_its_steps"][
        "stdout"].count("\n") == 4  # two epochs' losses, then the weight's two lines
    assert reference["a_defaults_number_used_again_after_a_step"]["stdout"].startswith(
        "tensor([")
    shadowed = reference["a_method_name_set_as_an_attribute_of_a_tensor"]
    assert shadowed["stdout"] == "True\ntensor([3., 3.])\n"
    assert shadowed["error"]["message"] == "'bool' object is not callable"
    # params are copies: the model's own weight gets no gradient
    assert reference["functorch_make_functional_under_vmap"]["stdout"].endswith(" None\n")
