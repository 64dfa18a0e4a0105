"""A tensor computed before an update, used after it (engine/snippets/kept_graphs.py): torch
lets it be used when the update changed nothing it was computed from, and raises its
second-time error when a backward of the finished step freed its graph. Against plain torch
in a subprocess."""

from __future__ import annotations

from typing import Any

import pytest
from test_corpus import agrees, engine_side
from torch_reference import by_name

from engine.snippets.reader import ImportError_, import_snippet

GAN = """import torch
import torch.nn as nn
torch.manual_seed(1)
gen = nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 2))
disc = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1), nn.Sigmoid())
opt_gen = torch.optim.SGD(gen.parameters(), lr=0.05, momentum=0.5)
opt_disc = torch.optim.Adam(disc.parameters(), lr=0.01)
loss_fn = nn.BCELoss()
data = torch.randn(6, 2) * 0.5 + 1
for it in range(4):
    noise = torch.randn(6, 3)
    made = gen(noise)
    opt_disc.zero_grad()
    loss_d = loss_fn(disc(data), torch.ones(6, 1)) + loss_fn(disc({fed}), torch.zeros(6, 1))
    loss_d.backward({retain})
    opt_disc.step()
    opt_gen.zero_grad()
    loss_g = loss_fn(disc(made), torch.ones(6, 1))
    loss_g.backward()
    opt_gen.step()
    print(it, loss_d.item(), loss_g.item())
"""
SNIPPETS = {
    "gan_with_detach": GAN.format(fed="made.detach()", retain=""),
    # the classic mistake: no detach, so loss_d's backward frees gen's graph
    "gan_without_detach_is_torchs_second_time_error": GAN.format(fed="made", retain=""),
    "gan_without_detach_but_retained": GAN.format(fed="made", retain="retain_graph=True"),
    # a backward reaches the freed graph after another leaf already got its .grad
    "freed_after_a_partial_accumulation": """import torch
torch.manual_seed(0)
a = torch.randn(3, requires_grad=True)
b = torch.randn(3, requires_grad=True)
x = torch.randn(3)
opt_b = torch.optim.SGD([b], lr=0.1)
h = (a * x).exp()
(h * b).sum().backward()
opt_b.step()
again = (h * b).sum()
again.backward()
""",
    # after the loop, the last step's loss: its graph freed by its backward
    "autograd_grad_of_the_last_loss": """import torch
torch.manual_seed(5)
model = torch.nn.Linear(2, 1)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
x = torch.randn(5, 2)
for step in range(2):
    loss = model(x).pow(2).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
grads = torch.autograd.grad(loss, model.parameters(), allow_unused=True)
""",
    "kept_through_two_updates_and_printed": """import torch
torch.manual_seed(0)
a = torch.randn(2, requires_grad=True)
b = torch.randn(2, requires_grad=True)
h = torch.sin(a) * 3
for k in range(2):
    loss = ((h * b) ** 2).sum()
    loss.backward(retain_graph=True)
    with torch.no_grad():
        b -= 0.1 * b.grad
    b.grad = None
    print(h)
(h.sum() * b.sum()).backward()
""",
    # swyoon/pytorch-minimal-gaussian-process: fit() keeps self.L of the step on the model
    # and forward() after training uses it (and transposes it) for the prediction
    "model_attribute_of_a_step_used_after_the_update": """import torch
import torch.nn as nn
torch.manual_seed(0)
class Fit(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Parameter(torch.tensor(0.5))
    def fit(self, x, y):
        self.resid = y - self.a * x
        return (self.resid ** 2).mean()
    def forward(self, x):
        return self.a * x + self.resid.T.mm(x)
m = Fit()
opt = torch.optim.SGD(m.parameters(), lr=0.1)
x = torch.randn(5, 1)
y = 3 * x
for i in range(3):
    opt.zero_grad()
    loss = m.fit(x, y)
    loss.backward()
    opt.step()
out = m(x)
z = torch.ones(5, 1, requires_grad=True)
(out.detach() * z).sum().backward()
""",
}


@pytest.fixture(scope="module")
def reference() -> dict[str, dict[str, Any]]:
    return by_name({**SNIPPETS, **UPDATED})


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_read_as_plain_torch_runs_it(name: str, reference: dict[str, dict[str, Any]]) -> None:
    ours = engine_side(SNIPPETS[name])
    assert agrees(ours, reference[name]) is None, agrees(ours, reference[name])


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    detached = reference["gan_with_detach"]
    assert detached["error"] is None and detached["stdout"].count("\n") == 4
    # loss_g reached gen through the kept graph: all eight parameters hold a .grad
    assert sum(g is not None for g in detached["every_leaf_grad"]) == 8
    freed = reference["gan_without_detach_is_torchs_second_time_error"]["error"]
    assert freed["type"] == "RuntimeError"
    assert freed["message"].startswith("Trying to backward through the graph a second time")
    assert reference["gan_without_detach_but_retained"]["error"] is None
    partial = reference["freed_after_a_partial_accumulation"]
    assert partial["error"]["message"].startswith("Trying to backward through the graph")
    first = engine_side(SNIPPETS["freed_after_a_partial_accumulation"].rsplit("opt_b", 1)[0])
    # b.grad was accumulated a second time before torch raised; a.grad was not
    assert partial["grads"]["b"] == pytest.approx([2 * g for g in first["grads"]["b"]])
    assert partial["grads"]["a"] == pytest.approx(first["grads"]["a"])
    last = reference["autograd_grad_of_the_last_loss"]["error"]["message"]
    assert last.startswith("Trying to backward through the graph a second time")
    kept = reference["kept_through_two_updates_and_printed"]
    assert kept["error"] is None and kept["stdout"].count("tensor(") == 2


def test_the_error_stops_the_script_at_its_line() -> None:
    with pytest.raises(ImportError_) as info:
        import_snippet(SNIPPETS["gan_without_detach_is_torchs_second_time_error"])
    assert str(info.value).startswith("line 19, column 5: RuntimeError: Trying to backward "
                                      "through the graph a second time")


def test_the_kept_tensor_is_a_node_of_the_step_that_uses_it() -> None:
    doc = import_snippet(SNIPPETS["gan_with_detach"], layout=False)
    made = doc.node_by_name("made")
    assert made is not None and made.op != "leaf"
    assert [n.name for n in doc.outputs()] == ["loss_g"]


# computed from a leaf the update changed: the document holds one set of weights, so this is
# refused; torch computes (with the old numbers the graph saved) or raises its in-place error
UPDATED = {
    "from_an_updated_leaf": """import torch
a = torch.tensor([1.0, -2.0], requires_grad=True)
x = torch.tensor([0.5, 3.0])
opt = torch.optim.SGD([a], lr=0.1)
h = a * x
(h * h).sum().backward(retain_graph=True)
opt.step()
h.sum().backward()
""",
    "from_an_updated_leaf_it_saved": """import torch
a = torch.tensor([1.0, -2.0], requires_grad=True)
opt = torch.optim.SGD([a], lr=0.1)
h = a ** 2
print(h)
h.sum().backward(retain_graph=True)
opt.step()
h.sum().backward()
""",
}


UPDATED["autograd_grad_of_a_retained_last_loss"] = SNIPPETS[
    "autograd_grad_of_the_last_loss"].replace("loss.backward()", "loss.backward(retain_graph=True)"
                                              ).replace("range(2)", "range(1)")


@pytest.mark.parametrize("name", sorted(UPDATED))
def test_a_tensor_of_an_updated_leaf_is_refused(name: str,
                                                reference: dict[str, dict[str, Any]]) -> None:
    line = 10 if name == "autograd_grad_of_a_retained_last_loss" else 7
    assert f"this tensor was computed before the update at line {line}" in engine_side(
        UPDATED[name])["refused"]
    theirs = reference[name]
    if name == "from_an_updated_leaf_it_saved":  # torch raises: pow saved a
        assert "modified by an inplace operation" in theirs["error"]["message"]
    elif name == "autograd_grad_of_a_retained_last_loss":  # the old graph's answer
        assert theirs["error"] is None
    else:  # torch goes back through the old graph: a.grad from the old x
        assert theirs["error"] is None
        assert theirs["grads"]["a"] == pytest.approx([2 * 1.0 * 0.25 + 0.5,
                                                      2 * -2.0 * 9.0 + 3.0])
