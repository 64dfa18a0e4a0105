"""Forms met in unseen learner code, each against plain torch in a subprocess: pprint's
pprint, pp and PrettyPrinter(...).pprint as the output they are (print's kin); a hand-written
init that draws a used parameter anew under torch.no_grad() (uniform_, normal_), as the
Chinese d2l's chapter 4.2 does, in the order torch draws."""

from __future__ import annotations

from typing import Any

from snippet_agreement import agreement_tests

SNIPPETS = {
    'grads_shown_with_pprint': """import torch
from pprint import pprint, PrettyPrinter
import pprint as pp_mod
pp = PrettyPrinter(indent=4)
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = (x ** 2).sum()
y.backward()
pprint({"grad": x.grad})
pp.pprint(x.grad)
pp_mod.pprint([1, 2])
print(x.grad)
""",
    'parameters_drawn_anew_under_no_grad_after_a_forward': """import torch
from torch import nn
torch.manual_seed(0)
net = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 1))
X = torch.rand(2, 4)
Y = net(X).sum()
def init_weight_(tensor):
    with torch.no_grad():
        tensor.uniform_(-10, 10)
        tensor *= (tensor.abs() >= 5).float()
for name, param in net.named_parameters():
    if 'weight' in name:
        init_weight_(param)
with torch.no_grad():
    net[0].bias.normal_(0, 0.1)
loss = net(X).pow(2).sum()
loss.backward()
print(net[0].weight.grad, net[2].weight)
""",
}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    shown = reference["grads_shown_with_pprint"]
    assert shown["grads"]["x"] == [2.0, 4.0]
    assert shown["stdout"].startswith("{'grad': tensor([2., 4.])}")
    drawn = reference["parameters_drawn_anew_under_no_grad_after_a_forward"]
    assert drawn["every_leaf_grad"] and drawn["stdout"].startswith("tensor([[")
