"""Forms met in a round of unseen learner code, each against plain torch in a subprocess:
private attributes and methods of the snippet's own classes (`self._scale`, a hook method
`self._mask_grad`, a bound method taken as a value), a hook on a layer's parameter (the
layer reads its parameter itself: it used to bypass the hook), `torch.torch.FloatTensor`
(torch is an attribute of itself), numpy-style names of the inverse hyperbolic functions
(`torch.arccosh`), cross_entropy's `ignore_index=`, and SequentialLR over the snippet's own
schedulers."""

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
    'torch_of_torch_and_numpy_names': """import torch
torch.manual_seed(0)
W = torch.torch.FloatTensor(2, 3).uniform_(-1, 1)
W.requires_grad_(True)
x = torch.tensor([1.5, 2.0, 3.0], requires_grad=True)
y = (W @ torch.arccosh(x)).sum() + torch.arcsinh(x).sum() + torch.arctanh(x / 4).sum() \\
    + torch.arctan2(x, x + 1).sum()
y.backward()
print(W.grad, x.grad)
""",
    'cross_entropy_ignoring_a_class': """import torch
import torch.nn as nn
import torch.nn.functional as F
torch.manual_seed(0)
logits = torch.randn(4, 3, requires_grad=True)
target = torch.tensor([0, 2, 1, 2])
loss = F.cross_entropy(logits, target, ignore_index=2) + \\
    nn.CrossEntropyLoss(ignore_index=0, reduction='sum')(logits, target)
loss.backward()
print(logits.grad)
""",
    'sequential_lr_over_two_schedulers': """import torch
from torch.optim.lr_scheduler import SequentialLR, LinearLR, ExponentialLR
w = torch.nn.Parameter(torch.tensor([2.0, -1.0]))
opt = torch.optim.SGD([w], lr=0.1)
warmup = LinearLR(opt, start_factor=0.1, end_factor=1, total_iters=3)
decay = ExponentialLR(opt, gamma=0.5)
sched = SequentialLR(opt, schedulers=[warmup, decay], milestones=[3])
for step in range(8):
    opt.zero_grad()
    loss = (w ** 2).sum()
    loss.backward()
    opt.step()
    sched.step()
print(w, sched.get_last_lr())
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
    # rows whose target is ignored add nothing: row 1 and 3 only through the second loss
    assert reference["cross_entropy_ignoring_a_class"]["grads"]["logits"][0] != [0, 0, 0]
    assert reference["a_hook_on_a_layers_weight"]["every_leaf_grad"][0] == [[0.0, 0.0]]
