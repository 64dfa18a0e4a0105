"""Training steps read as the script runs them (engine/snippets/training.py): an update of
the weights from their .grad (`w -= lr * w.grad` under torch.no_grad(), `w.data = ...`,
`w.data.sub_(...)`, `optimizer.step()` of SGD with momentum or Adam, gradient clipping) runs
with torch while the snippet is read, and the document is the last step that called
backward, each leaf starting with the numbers and the .grad the earlier steps left.
Everything is compared with the same snippet run by plain torch in a subprocess."""

from __future__ import annotations

from typing import Any

import pytest
import torch
from test_corpus import agrees, engine_side
from torch_reference import by_name

from engine.fileformat import dumps, loads
from engine.run import run
from engine.snippets.codegen import generate
from engine.snippets.reader import ImportError_, import_snippet

SNIPPETS = {
    "no_grad_update_then_zero": """import torch
w = torch.tensor([2.0, -1.0], requires_grad=True)
x = torch.tensor([1.0, 3.0])
for step in range(4):
    loss = ((w * x).sum() - 10) ** 2
    loss.backward()
    with torch.no_grad():
        w -= 0.01 * w.grad
    print(step, loss.item(), w.grad)
    w.grad.zero_()
""",
    "grads_accumulate_across_updates": """import torch
w = torch.tensor([1.0, 2.0], requires_grad=True)
for i in range(3):
    loss = (w * w * (i + 1)).sum()
    loss.backward()
    with torch.no_grad():
        w -= 0.1 * w.grad
""",
    "data_assignment_and_grad_data_zero": """import torch
x_data = [1.0, 2.0, 3.0]
y_data = [2.0, 4.0, 6.0]
w = torch.Tensor([1.0])
w.requires_grad = True
for epoch in range(5):
    for x, y in zip(x_data, y_data):
        l = (x * w - y) ** 2
        l.backward()
        w.data = w.data - 0.01 * w.grad.data
        w.grad.data.zero_()
""",
    "data_sub_in_place": """import torch
torch.manual_seed(0)
a = torch.randn(3, requires_grad=True)
b = torch.randn(3, requires_grad=True)
for _ in range(3):
    out = (a * b).tanh().sum()
    out.backward()
    a.data.sub_(0.5 * a.grad.data)
    b.data.add_(b.grad, alpha=-0.5)
    a.grad = None
    b.grad = None
out = (a * b).sum()
out.backward()
""",
    "sgd_momentum_in_a_model_class": """import torch
import torch.nn as nn
torch.manual_seed(0)
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(3, 4)
        self.fc2 = nn.Linear(4, 1)
    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))
model = Net()
x = torch.randn(5, 3)
y = torch.randn(5, 1)
loss_fn = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
for epoch in range(4):
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
w1 = model.fc1.weight
b2 = model.fc2.bias
""",
    "adam_steps_then_one_more_backward": """import torch
torch.manual_seed(1)
w = torch.randn(2, 2, requires_grad=True)
opt = torch.optim.Adam([w], lr=0.05)
target = torch.eye(2)
for _ in range(3):
    opt.zero_grad()
    loss = ((w @ w - target) ** 2).sum()
    loss.backward()
    opt.step()
final = ((w @ w - target) ** 2).sum()
final.backward()
""",
    "d2l_sgd_function": """import torch
torch.manual_seed(0)
def sgd(params, lr, batch_size):
    with torch.no_grad():
        for param in params:
            param -= lr * param.grad / batch_size
            param.grad.zero_()
X = torch.randn(8, 2)
y = X @ torch.tensor([2.0, -3.4]) + 4.2
w = torch.normal(0, 0.01, size=(2,), requires_grad=True)
b = torch.zeros(1, requires_grad=True)
for epoch in range(3):
    l = ((X @ w + b - y) ** 2 / 2).sum()
    l.backward()
    sgd([w, b], 0.03, 8)
""",
    "new_leaf_each_step": """import torch
x = torch.tensor([3.0, -2.0], requires_grad=True)
for _ in range(3):
    y = (x ** 2).sum()
    y.backward()
    x = (x - 0.25 * x.grad).detach().requires_grad_(True)
z = (x ** 3).sum()
z.backward()
""",
    # clipping: inside the loop before the step (the step updates from the clipped .grad),
    # then after the last backward (the leaves keep the clipped .grad)
    "clip_grad_norm_then_step_then_clip_value": """import torch
import torch.nn as nn
from torch.nn.utils import clip_grad_value_
torch.manual_seed(0)
model = nn.Linear(3, 2)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
x = torch.randn(4, 3) * 10
for step in range(3):
    opt.zero_grad()
    loss = model(x).pow(2).sum()
    loss.backward()
    norm = nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    print(step, norm.item())
    opt.step()
loss = model(x).pow(2).sum()
loss.backward()
clip_grad_value_(model.parameters(), 0.5)
w = model.weight
b = model.bias
""",
    # a value computed from .grad, then differentiated: one step of gradient descent by hand
    "step_computed_from_grad_then_differentiated": """import torch
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = (x * x).sum()
y.backward()
step = x - 0.1 * x.grad
norm = x.grad.norm(2)
loss = (step * step).sum() + norm
loss.backward()
""",
    "clip_in_the_loop_only": """import torch
torch.manual_seed(0)
w = torch.randn(3, requires_grad=True)
opt = torch.optim.Adam([w], lr=0.5)
for _ in range(4):
    opt.zero_grad()
    loss = (w ** 4).sum()
    loss.backward()
    torch.nn.utils.clip_grad_norm_([w], 0.1)
    opt.step()
""",
}


@pytest.fixture(scope="module")
def reference() -> dict[str, dict[str, Any]]:
    return by_name(SNIPPETS)


@pytest.mark.parametrize("name", SNIPPETS)
def test_read_as_plain_torch_runs_it(name: str, reference: dict[str, dict[str, Any]]) -> None:
    ours = engine_side(SNIPPETS[name])
    assert agrees(ours, reference[name]) is None, agrees(ours, reference[name])


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    """The judged numbers are the training's own: they differ from a first step's."""
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    total = torch.zeros(2)
    for i in range(3):  # .grad is never zeroed: it sums the three steps' gradients
        g = 2 * w.detach() * (i + 1)
        total += g
        w.data -= 0.1 * total
    assert reference["grads_accumulate_across_updates"]["grads"]["w"] == pytest.approx(
        total.tolist())
    assert reference["no_grad_update_then_zero"]["grads"]["w"] == [0.0, 0.0]


def test_the_document_is_the_last_step_with_the_weights_it_began_with() -> None:
    """The leaf holds the numbers the earlier updates left, and the .grad it held then;
    the description says what ran while reading."""
    doc = import_snippet(SNIPPETS["grads_accumulate_across_updates"])
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    for i in range(2):
        (w * w * (i + 1)).sum().backward()
        with torch.no_grad():
            w -= 0.1 * w.grad
    leaf = doc.node_by_name("w")
    assert leaf is not None
    assert leaf.value == pytest.approx(w.detach().tolist())
    assert leaf.grad == pytest.approx(w.grad.tolist())
    assert "3 weight updates (line 7)" in doc.description
    result = run(doc)
    (w * w * 3).sum().backward()
    assert result.leaf_grads[leaf.id].tolist() == pytest.approx(w.grad.tolist())


def test_a_starting_grad_survives_the_file_and_the_generated_code(
        reference: dict[str, dict[str, Any]]) -> None:
    doc = import_snippet(SNIPPETS["grads_accumulate_across_updates"])
    again = loads(dumps(doc))
    leaf, first = again.node_by_name("w"), doc.node_by_name("w")
    assert leaf is not None and first is not None and leaf.grad == first.grad
    code = generate(again)
    assert "w.grad = torch.tensor(" in code
    plain = by_name({"generated": code})["generated"]
    assert plain["grads"]["w"] == pytest.approx(
        reference["grads_accumulate_across_updates"]["grads"]["w"])


def test_a_tensor_of_a_finished_step_is_kept_for_numbers_not_for_a_graph() -> None:
    code = """import torch
w = torch.tensor([1.0, 2.0], requires_grad=True)
loss = (w * w).sum()
loss.backward()
with torch.no_grad():
    w -= 0.1 * w.grad
print(loss.item(), loss.log10().item())
again = loss * w
again.sum().backward()
"""
    with pytest.raises(ImportError_) as info:
        import_snippet(code)
    assert str(info.value).startswith("line 9, column 1: this tensor was computed before the "
                                      "update at line 6")


def test_a_graph_built_before_the_loop_is_refused_where_a_step_reuses_it() -> None:
    """`h = w * 3` before the loop, used in every step: torch backpropagates through the
    first step's graph again; the document holds one step, so the reuse is refused."""
    code = """import torch
w = torch.tensor([1.0, 2.0], requires_grad=True)
h = w * 3
for _ in range(2):
    loss = (h ** 2).sum()
    loss.backward()
    with torch.no_grad():
        w -= 0.1 * w.grad
"""
    with pytest.raises(ImportError_) as info:
        import_snippet(code)
    assert str(info.value).startswith("line 6, column 5: this tensor was computed before the "
                                      "update at line 8")


def test_an_update_inside_a_try_is_still_refused_with_why() -> None:
    code = """import torch
w = torch.tensor([1.0, 2.0], requires_grad=True)
(w * w).sum().backward()
try:
    with torch.no_grad():
        w -= 0.1 * w.grad
except RuntimeError:
    pass
"""
    with pytest.raises(ImportError_) as info:
        import_snippet(code)
    assert "inside a try" in str(info.value) and "training step" in str(info.value)


def test_the_element_limit_counts_the_graph_the_document_holds(monkeypatch) -> None:
    """Each step's graph leaves the document, so a long loop of small steps stays inside the
    limit on all tensors of a graph (here lowered to 400 elements: a step holds about 100),
    while a single step past it is still refused."""
    from engine.limits import Limit
    from engine.snippets import expressions

    monkeypatch.setattr(expressions, "ELEMENTS_TOTAL", Limit("elements in all tensors of a "
                                                             "graph", 400))
    loop = """import torch
torch.manual_seed(0)
x = torch.randn(4, 5)
w = torch.randn(5, 3, requires_grad=True)
for _ in range(30):
    loss = (x @ w).pow(2).sum()
    loss.backward()
    with torch.no_grad():
        w -= 0.001 * w.grad
        w.grad.zero_()
"""
    doc = import_snippet(loop)
    assert "30 weight updates" in doc.description
    with pytest.raises(ImportError_, match="over the limit of 400 elements in all tensors"):
        import_snippet(loop.replace("torch.randn(4, 5)", "torch.randn(80, 5)"))
