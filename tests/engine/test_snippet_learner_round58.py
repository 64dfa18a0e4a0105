"""Forms met in unseen learner code, each against plain torch in a subprocess: gradcheck of
an expanded input (one number seen through stride 0, made a leaf or still computed), where
torch's check refuses the input before computing anything; torch.nn's classes imported from
the files of torch.nn.modules where they are defined (container, module, conv, dropout)."""

from __future__ import annotations

from typing import Any

from snippet_agreement import agreement_tests

SNIPPETS = {
    'gradcheck_of_an_expanded_leaf': """import torch
from torch.autograd import gradcheck
mat = torch.randn(2, 2, dtype=torch.float64)
vec = torch.randn(1, dtype=torch.float64).expand(2).requires_grad_(True)

def fn(vec):
    return (mat @ vec).sum()

gradcheck(fn, (vec,))
""",
    'gradcheck_of_an_expanded_computed_input': """import torch
from torch.autograd import gradcheck
w = torch.randn(1, dtype=torch.float64, requires_grad=True)
v = w.expand(3)
print(gradcheck(lambda t: (t * t).sum(), (v,)))
""",
    'gradcheck_of_an_expanded_input_made_contiguous': """import torch
from torch.autograd import gradcheck
vec = torch.randn(1, dtype=torch.float64).expand(2).contiguous().requires_grad_(True)
print(gradcheck(lambda t: (t * t).sum(), (vec,)))
""",
    'nn_classes_imported_from_their_own_files': """import torch
from torch.nn.modules.container import Sequential
from torch.nn.modules.module import Module
from torch.nn.modules.conv import Conv1d
from torch.nn.modules.dropout import Dropout
torch.manual_seed(0)
class Net(Module):
    def __init__(self):
        super().__init__()
        self.body = Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), Dropout(0.0),
                               torch.nn.Linear(4, 1))
        self.conv = Conv1d(1, 1, 2)
    def forward(self, x):
        return self.body(x) + self.conv(x.unsqueeze(1)).sum()
net = Net()
x = torch.randn(2, 3)
net(x).sum().backward()
print(net.body[0].weight.grad, net.conv.weight.grad)
""",
}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    for name in ("gradcheck_of_an_expanded_leaf", "gradcheck_of_an_expanded_computed_input"):
        assert "has a dimension with stride 0" in reference[name]["error"]["message"]
    assert reference["gradcheck_of_an_expanded_input_made_contiguous"]["stdout"] == "True\n"
    printed = reference["nn_classes_imported_from_their_own_files"]["stdout"]
    assert printed.count("tensor(") == 2 and "[[[" in printed  # both grads, conv's 3-d
