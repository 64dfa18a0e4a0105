"""`torch.nn.Module()` filled by hand and nn.Module's naming methods, each against plain
torch in a subprocess: a bare module given a parameter by register_parameter, one as an
attribute and a layer by add_module, its parameters handed to an optimizer; a class of the
snippet's own whose layers come from add_module and register_module."""

from __future__ import annotations

from typing import Any

from snippet_agreement import agreement_tests

SNIPPETS = {
    'bare_module_filled_by_hand_and_stepped': """import torch
m = torch.nn.Module()
w = torch.nn.Parameter(torch.tensor([1.0, 2.0]))
m.register_parameter("w", w)
m.b = torch.nn.Parameter(torch.tensor(0.5))
m.add_module("lin", torch.nn.Linear(2, 1))
print([n for n, _ in m.named_parameters()])
opt = torch.optim.SGD(m.parameters(), lr=0.1)
m.lin.weight.data.fill_(0.3)
m.lin.bias.data.fill_(0.1)
loss = (m.lin(m.w * 2) + m.b).sum() ** 2
loss.backward()
opt.step()
print(m.w, m.b.grad, m._parameters["w"].grad)
print(isinstance(m, torch.nn.Module))
""",
    'optimizer_for_a_parameter_of_a_bare_module': """import torch
my_module: torch.nn.Module = torch.nn.Module()
my_parameter: torch.nn.Parameter = torch.nn.Parameter(torch.ones((3, 2)), requires_grad=True)
my_module.register_parameter("w", my_parameter)
optimizer = torch.optim.Adam(my_module.parameters(), lr=0.1)
loss = (my_module._parameters["w"] ** 2).sum()
loss.backward()
optimizer.step()
print(my_parameter)
""",
    'layers_named_by_add_module_and_register_module': """import torch
class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.add_module("fc", torch.nn.Linear(2, 1))
        self.register_module("act", torch.nn.Tanh())
    def forward(self, x):
        return self.act(self.fc(x))
torch.manual_seed(0)
net = Net()
out = net(torch.tensor([[1.0, 2.0]])).sum()
out.backward()
print(net.fc.weight.grad)
""",
}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    filled = reference["bare_module_filled_by_hand_and_stepped"]["stdout"]
    assert filled.startswith("['w', 'b', 'lin.weight', 'lin.bias']")
    assert "tensor([0.7120, 1.7120], requires_grad=True) tensor(4.8000)" in filled
    # Adam's first step moves each weight by lr against the sign of its gradient
    assert "tensor([[0.9000, 0.9000]," in \
        reference["optimizer_for_a_parameter_of_a_bare_module"]["stdout"]
    assert reference["layers_named_by_add_module_and_register_module"]["every_leaf_grad"]
