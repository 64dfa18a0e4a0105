"""model.load_state_dict(...) (engine/snippets/module_methods.py): the numbers copied into
the parameters in place after training steps, torch's own errors for a missing key and a
wrong shape, and strict=False, against plain torch in a subprocess."""

from __future__ import annotations

from typing import Any

from snippet_agreement import agreement_tests

SNIPPETS = {
    'after_training': """import torch
import torch.nn as nn
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
target = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
opt = torch.optim.SGD(model.parameters(), lr=0.1)
x = torch.randn(6, 3)
y = torch.randn(6, 1)
for step in range(3):
    opt.zero_grad()
    loss = ((model(x) - y) ** 2).mean()
    loss.backward()
    opt.step()
    target.load_state_dict(model.state_dict())
out = ((target(x) - y) ** 2).mean()
out.backward()
print(target[0].weight.grad)
""",
    'missing_key': """import torch
import torch.nn as nn
net = nn.Linear(2, 2)
net.load_state_dict({"weight": torch.ones(2, 2)})
""",
    'not_strict': """import torch
import torch.nn as nn
torch.manual_seed(1)
net = nn.Linear(2, 2)
r = net.load_state_dict({"weight": torch.eye(2)}, strict=False)
print(r)
net(torch.tensor([[1.0, 2.0]])).sum().backward()
print(net.weight.grad, net.bias.grad)
""",
    'wrong_shape': """import torch
import torch.nn as nn
net = nn.Linear(2, 2)
net.load_state_dict({"weight": torch.ones(3, 2), "bias": torch.zeros(2)})
""",
}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)



def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    assert reference["missing_key"]["error"]["message"].startswith(
        "Error(s) in loading state_dict for Linear:")
    assert "size mismatch for weight" in reference["wrong_shape"]["error"]["message"]
    assert reference["not_strict"]["every_leaf_grad"] == [[[1.0, 2.0], [1.0, 2.0]], [1.0, 1.0]]
    assert reference["after_training"]["error"] is None
