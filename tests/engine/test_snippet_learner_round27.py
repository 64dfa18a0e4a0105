"""Forms met in a round of unseen learner code, each against plain torch in a subprocess:
private attributes and methods of the snippet's own classes (`self._scale`, a hook method
`self._mask_grad`, a bound method taken as a value), and a hook on a layer's parameter (the
layer reads its parameter itself: it used to bypass the hook)."""

from __future__ import annotations

from typing import Any

from snippet_agreement import agreement_tests

SNIPPETS = {
    'private_names_of_the_snippets_own_class': """import torch
import torch.nn as nn
torch.manual_seed(0)

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 2)
        self._scale = 2.0
        self.fc.weight.register_hook(self._mask_grad)

    def _mask_grad(self, grad):
        return grad * torch.tensor([[1.0], [0.0]])

    def forward(self, x):
        return self.fc(x) * self._scale

net = Net()
net(torch.randn(4, 3)).pow(2).sum().backward()
print(net.fc.weight.grad, net._scale)
""",
    'a_hook_on_a_layers_weight': """import torch
torch.manual_seed(0)
lin = torch.nn.Linear(2, 1)
handle = lin.weight.register_hook(lambda g: g * 0)
lin(torch.ones(3, 2)).sum().backward()
print(lin.weight.grad, lin.bias.grad)
""",
}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    for name in SNIPPETS:
        assert reference[name]["error"] is None, name
    # the hook zeroed the second row of the weight's gradient
    weight = [g for g in reference["private_names_of_the_snippets_own_class"]["every_leaf_grad"]
              if isinstance(g, list) and len(g) == 2 and isinstance(g[0], list)]
    assert len(weight) == 1 and all(v == 0 for v in weight[0][1]) and weight[0][0][1] != 0
    assert reference["a_hook_on_a_layers_weight"]["every_leaf_grad"][0] == [[0.0, 0.0]]
