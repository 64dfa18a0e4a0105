"""Forms met in a round of unseen learner code: more backward calls than a document holds in
a loop that updates nothing (each call adds to the same .grad, as torch does); a notebook's
last line `loss.cpu().numpy()` after a training loop (torch's error: that loss still requires
grad); notebook lines around a model (`t.__version__` under another name, `name.find(...)`,
`map(id, params)`, `np.bincount`, a bare `variable.data.numpy()`); and torch.jit.trace named
as what it is."""

from __future__ import annotations

from typing import Any

import pytest
from snippet_agreement import agreement_tests
from test_corpus import engine_side

SNIPPETS = {
    'more_calls_than_a_document_holds': """import torch
torch.manual_seed(0)
x = torch.nn.Linear(3, 3)
a = torch.randn(2, 3)
for i in range(150):
    y = torch.sum(x(a) ** 2)
    y.backward()
x2 = torch.nn.Linear(3, 3)
a2 = torch.randn(2, 3)
y2 = torch.sum(x2(a2))
for i in range(3):
    y2.backward()
""",
    'numpy_of_the_last_steps_loss_is_torchs_error': """import torch
torch.manual_seed(42)
x = torch.rand(20, 1)
y = 1 + 2 * x + 0.1 * torch.randn(20, 1)
b = torch.randn(1, requires_grad=True)
w = torch.randn(1, requires_grad=True)
for epoch in range(30):
    loss = ((b + w * x - y) ** 2).mean()
    loss.backward()
    with torch.no_grad():
        b -= 0.1 * b.grad
        w -= 0.1 * w.grad
    b.grad.zero_()
    w.grad.zero_()
print(b, w)
loss
loss.cpu().numpy()
""",
    'a_notebooks_display_lines_and_small_helpers': """import torch as t
import numpy as np
from torch import nn
t.manual_seed(0)
print(t.__version__.split('.')[0])

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear1 = nn.Linear(3, 4)
        self.linear2 = nn.Linear(4, 1)

    def forward(self, x):
        return self.linear2(t.sigmoid(self.linear1(x)))

net = Net()
for name, params in net.named_parameters():
    if name.find('linear1') != -1:
        params[0]
special = list(map(id, net.linear1.parameters()))
rest = [p for p in net.parameters() if id(p) not in special]
labels = np.array([0, 1, 1, 0, 1])
print(np.bincount(labels))
variable = t.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
out = t.mean(variable * variable) + net(t.ones(2, 3)).sum()
out.backward()
variable.data.numpy()
print(len(rest), variable.grad)
""",
}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    more = reference["more_calls_than_a_document_holds"]
    assert "Trying to backward through the graph a second time" in str(more["error"])
    numpy = reference["numpy_of_the_last_steps_loss_is_torchs_error"]["error"]
    assert "Can't call numpy() on Tensor that requires grad" in str(numpy)
    helpers = reference["a_notebooks_display_lines_and_small_helpers"]
    assert helpers["error"] is None and "[2 3]" in helpers["stdout"]
    # the first layer's leaves hold what the 150 calls added up
    assert more["every_leaf_grad"][1] is not None and more["every_leaf_grad"][1][0] != 0


def test_the_calls_before_the_last_hundred_are_said_to_have_run() -> None:
    from engine.snippets.reader import import_snippet
    from engine.snippets.safety import TorchRaised

    # the loop's 150 calls ran with torch; y2's second backward raises torch's error there
    with pytest.raises(TorchRaised) as raised:
        import_snippet(SNIPPETS["more_calls_than_a_document_holds"])
    assert raised.value.line == 12 and "a second time" in raised.value.torch_message
    assert raised.value.document.description.startswith(
        "150 earlier calls ran with torch while the snippet was read")


def test_torch_jit_is_named_as_outside() -> None:
    found = engine_side("""import torch
def f(x):
    return (x ** 2).sum()
x = torch.ones(3, requires_grad=True)
traced = torch.jit.trace(f, (x,))
traced(x).backward()
""")
    assert "torch.jit.trace compiles a function into another program" in found["refused"]
