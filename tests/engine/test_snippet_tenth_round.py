"""Forms met in a tenth round of learner snippets, each read as plain torch runs it (in a
subprocess): `from __future__ import print_function` of old scripts, `from torch.nn.modules
import loss` (a name the script later rebinds), `print(y.creator)` of the Variable era (no
tensor has it: Python's AttributeError), learning-rate schedulers stepping between optimizer
steps (StepLR, LambdaLR with the script's own lambda, ExponentialLR), `np.random.seed(...)`
beside torch's seed, a dict comprehension printed after training, and a file read with numpy,
which is refused as outside the computation."""

from __future__ import annotations

from typing import Any

import pytest
import torch
from snippet_agreement import agreement_tests
from test_corpus import agrees, engine_side
from torch_reference import by_name

SNIPPETS = {
    "future_import_of_an_old_script": """from __future__ import print_function, division
import torch
a = torch.tensor([1.5, -2.0], requires_grad=True)
out = (a * a / 3).sum()
print(out)
out.backward()
""",
    "nn_modules_loss_imported_then_rebound": """import torch
from torch import nn
from torch.nn.modules import loss
from torch.nn.modules.loss import MSELoss
torch.manual_seed(3)
layer = nn.Linear(3, 1)
weight, bias = layer.weight, layer.bias  # named: the comparison sees their .grad
crit = MSELoss()
sgd = torch.optim.SGD(layer.parameters(), lr=0.05)
data = torch.randn(5, 3)
target = torch.randn(5, 1)
for i in range(4):
    loss = crit(layer(data), target)
    print(loss.item())
    sgd.zero_grad()
    loss.backward()
    sgd.step()
loss = crit(layer(data), target)
loss.backward()
""",
    "step_lr_halves_the_rate_between_steps": """import torch
from torch.optim.lr_scheduler import StepLR
torch.manual_seed(1)
w = torch.randn(3, requires_grad=True)
xs = torch.randn(6, 3)
opt = torch.optim.SGD([w], lr=0.4)
sched = StepLR(opt, step_size=2, gamma=0.5)
for epoch in range(6):
    opt.zero_grad()
    err = ((xs @ w) - 1.0).pow(2).mean()
    err.backward()
    opt.step()
    sched.step()
    print(sched.get_last_lr())
err = ((xs @ w) - 1.0).pow(2).mean()
err.backward()
""",
    "lambda_lr_with_the_scripts_own_lambda": """import torch
import torch.nn as nn
import torch.optim.lr_scheduler as schedulers
torch.manual_seed(2)
net = nn.Linear(2, 2)
weight, bias = net.weight, net.bias
adam = torch.optim.Adam(net.parameters(), lr=0.1)
warm = lambda k: (k + 1) / 4
sched = schedulers.LambdaLR(adam, lr_lambda=warm)
inputs = torch.randn(4, 2)
for k in range(5):
    adam.zero_grad()
    net(inputs).tanh().sum().backward()
    adam.step()
    sched.step()
net(inputs).tanh().sum().backward()
""",
    "exponential_lr_on_a_plain_tensor": """import torch
p = torch.tensor([2.0, -1.0], requires_grad=True)
opt = torch.optim.SGD([p], lr=0.3, momentum=0.5)
decay = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=0.7)
for _ in range(4):
    opt.zero_grad()
    (p ** 4).sum().backward()
    opt.step()
    decay.step()
(p ** 4).sum().backward()
""",
    "numpy_seed_beside_torchs": """import numpy as np
import torch
np.random.seed(5)
torch.manual_seed(5)
v = torch.randn(4, requires_grad=True)
v.exp().sum().backward()
""",
    "dict_comprehension_printed_after_training": """import torch
import torch.nn as nn
torch.manual_seed(4)
lin = nn.Linear(3, 2)
weight, bias = lin.weight, lin.bias
opt = torch.optim.SGD(lin.parameters(), lr=0.1)
batch = torch.randn(4, 3)
for step in range(3):
    opt.zero_grad()
    lin(batch).pow(2).mean().backward()
    opt.step()
snapshot = {name: p.detach() for name, p in lin.named_parameters()}
print(snapshot)
lin(batch).pow(2).mean().backward()
""",
}

OLD_ATTRIBUTE = """import torch
from torch.autograd import Variable
a = Variable(torch.ones(2, 2), requires_grad=True)
b = a * 3
print(b.creator)
b.sum().backward()
"""


reference, test_read_as_plain_torch_runs_it = agreement_tests(
    SNIPPETS, also={"old_attribute": OLD_ATTRIBUTE})


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    for name in SNIPPETS:
        result = reference[name]
        assert result["error"] is None, name
        assert result["grads"] and all(g is not None for g in result["grads"].values()), name
    # d/da of sum(a*a/3) = 2a/3
    assert reference["future_import_of_an_old_script"]["grads"]["a"] == pytest.approx(
        [1.0, -4 / 3])


def test_a_scheduler_changes_the_weights_the_last_backward_sees(
        reference: dict[str, dict[str, Any]]) -> None:
    """Without the scheduler the weights would differ: the comparison is not vacuous."""
    with_schedule = reference["step_lr_halves_the_rate_between_steps"]["grads"]["w"]
    without = by_name({"plain": SNIPPETS["step_lr_halves_the_rate_between_steps"]
                       .replace("    sched.step()\n", "")})["plain"]["grads"]["w"]
    assert with_schedule != pytest.approx(without)
    ours = engine_side(SNIPPETS["step_lr_halves_the_rate_between_steps"])
    assert ours["grads"]["w"] == pytest.approx(with_schedule, rel=1e-5)


def test_an_attribute_no_tensor_has_is_pythons_error_where_it_is_printed(
        reference: dict[str, dict[str, Any]]) -> None:
    theirs = reference["old_attribute"]
    assert theirs["error"] == {"type": "AttributeError",
                               "message": "'Tensor' object has no attribute 'creator'"}
    ours = engine_side(OLD_ATTRIBUTE)
    assert agrees(ours, theirs) is None, agrees(ours, theirs)
    assert ours["error"]["message"] == "'Tensor' object has no attribute 'creator'"


@pytest.mark.parametrize("read", ["np.loadtxt('points.csv', delimiter=',')",
                                  "np.genfromtxt('points.csv')"])
def test_reading_a_file_is_refused_as_outside_the_computation(read: str) -> None:
    ours = engine_side("import numpy as np\nimport torch\n"
                       f"rows = {read}\nx = torch.tensor(rows, requires_grad=True)\n"
                       "x.sum().backward()\n")
    message = ours["refused"]
    assert message.startswith("line 3, column 8: ")
    assert "reading a file is outside the computation Gradflow reads" in message


def test_a_scheduler_of_something_else_than_an_optimizer_is_refused() -> None:
    ours = engine_side("import torch\nw = torch.ones(2, requires_grad=True)\n"
                       "s = torch.optim.lr_scheduler.StepLR([w], step_size=1)\n")
    assert "StepLR is read with one of the snippet's optimizers first" in ours["refused"]


# ---- manual training with plain tensors ----------------------------------------------------
# The backward pass written by hand, nothing requiring grad; the probe at the end turns the
# final weights into a gradient torch computes, so the comparison sees every update.
MANUAL_PLAIN_LOOP = """import torch
torch.manual_seed(7)
inputs = torch.randn(16, 5)
targets = torch.randn(16, 2)
wa = torch.randn(5, 4)
wb = torch.randn(4, 2)
rate = 1e-3
for step in range(60):
    hidden = inputs.mm(wa)
    active = hidden.clamp(min=0)
    guess = active.mm(wb)
    cost = (guess - targets).pow(2).sum()
    d_guess = 2.0 * (guess - targets)
    d_wb = active.t().mm(d_guess)
    d_active = d_guess.mm(wb.t())
    d_hidden = d_active.clone()
    d_hidden[hidden < 0] = 0
    d_wa = inputs.t().mm(d_hidden)
    wa -= rate * d_wa
    wb -= rate * d_wb
probe = torch.tensor(1.0, requires_grad=True)
(probe * wa.sum() + probe * probe * wb.sum()).backward()
"""


def test_manual_backprop_with_plain_tensors_ends_with_torchs_weights() -> None:
    theirs = by_name({"loop": MANUAL_PLAIN_LOOP,
                      "one_step": MANUAL_PLAIN_LOOP.replace("range(60)", "range(1)")})
    # 60 updates move the weights: the probe's grad is not what one step gives
    assert theirs["loop"]["grads"]["probe"] != pytest.approx(
        theirs["one_step"]["grads"]["probe"])
    ours = engine_side(MANUAL_PLAIN_LOOP)
    assert agrees(ours, theirs["loop"]) is None, agrees(ours, theirs["loop"])


def test_the_document_keeps_the_latest_turn_not_every_turn() -> None:
    from engine.snippets.reader import import_snippet

    short = import_snippet(MANUAL_PLAIN_LOOP.replace("range(60)", "range(3)"), layout=False)
    long = import_snippet(MANUAL_PLAIN_LOOP, layout=False)
    assert len(long) == len(short)
    names = {n.name for n in long.nodes()}
    assert {"wa", "wb", "d_wa", "cost", "probe"} <= names


def test_the_element_limit_counts_what_the_document_holds(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """60 turns make 60 times the tensors of one; the document holds two turns' worth. With
    the limit just above what it holds the loop reads; keeping every turn in a list (the
    document then holds them all) is still refused there, so the limit still protects."""
    from engine.limits import Limit
    from engine.snippets import expressions

    monkeypatch.setattr(expressions, "ELEMENTS_TOTAL", Limit("elements in all tensors", 2_000))
    assert "refused" not in engine_side(MANUAL_PLAIN_LOOP)
    kept = MANUAL_PLAIN_LOOP.replace("for step in range(60):\n",
                                     "history = []\nfor step in range(60):\n"
                                     "    history.append(inputs.mm(wa))\n")
    message = engine_side(kept)["refused"]
    assert "over the limit of 2,000 elements in all tensors" in message


def test_an_update_of_a_tensor_a_graph_saved_keeps_torchs_version_check() -> None:
    """`h` was saved by an op requiring grad: torch's backward then refuses the in-place
    change; read as numbers it would silently pass."""
    code = """import torch
w = torch.tensor([1.0, 2.0], requires_grad=True)
h = torch.tensor([3.0, 4.0]) * 2
y = w * h
for i in range(2):
    h += 1
y.sum().backward()
"""
    theirs = by_name({"saved": code})["saved"]
    assert theirs["error"] is not None and "inplace operation" in theirs["error"]["message"]
    ours = engine_side(code)
    assert agrees(ours, theirs) is None, agrees(ours, theirs)


# ---- module hooks that only look -----------------------------------------------------------
HOOKED_MODULES = {
    "hook_given_by_keyword_in_init": """import torch
from torch import nn
torch.manual_seed(8)
class Small(nn.Module):
    def __init__(self):
        super().__init__()
        self.first = nn.Linear(4, 3)
        self.second = nn.Linear(3, 1)
        def watch(module, inp, out):
            print(out.detach())
        self.first.register_forward_hook(hook=watch)
    def forward(self, x):
        return self.second(torch.relu(self.first(x)))
net = Small()
w1, w2 = net.first.weight, net.second.weight
net(torch.randn(5, 4)).sum().backward()
""",
    "forward_hook_giving_its_output_back": """import torch
from torch import nn
torch.manual_seed(9)
layer = nn.Linear(3, 2)
weight = layer.weight
def look(module, args, result):
    print(module, args, result)
    return result
handle = layer.register_forward_hook(look)
layer(torch.randn(4, 3)).pow(2).sum().backward()
handle.remove()
""",
}


@pytest.mark.parametrize("name", sorted(HOOKED_MODULES))
def test_a_module_hook_that_changes_nothing_is_read(name: str) -> None:
    theirs = by_name({name: HOOKED_MODULES[name]})[name]
    assert theirs["error"] is None and theirs["grads"]
    assert all(g is not None for g in theirs["grads"].values())
    ours = engine_side(HOOKED_MODULES[name])
    assert agrees(ours, theirs) is None, agrees(ours, theirs)


def test_a_forward_hook_returning_a_changed_output_changes_the_output() -> None:
    code = HOOKED_MODULES["forward_hook_giving_its_output_back"].replace(
        "    return result", "    result = result * 2\n    return result")
    theirs = by_name({"doubled": code})["doubled"]
    plain = by_name({"plain": HOOKED_MODULES["forward_hook_giving_its_output_back"]})["plain"]
    # torch's weight gradient is four times the plain one: (2y)^2 = 4y^2
    assert theirs["grads"]["weight"][0][0] == pytest.approx(4 * plain["grads"]["weight"][0][0])
    ours = engine_side(code)
    assert agrees(ours, theirs) is None, agrees(ours, theirs)


# ---- zero_grad(set_to_none=False) ----------------------------------------------------------
KEEPING_ZEROS = {
    "optimizer_keeps_zeros_where_a_grad_exists": """import torch
a = torch.tensor([1.0, 2.0], requires_grad=True)
b = torch.tensor([3.0, -1.0], requires_grad=True)
c = torch.tensor([0.5], requires_grad=True)
opt = torch.optim.SGD([a, b, c], lr=0.1)
(a * b).sum().backward()
opt.zero_grad(set_to_none=False)
(a * a).sum().backward()
""",
    "model_keeps_zeros_positionally": """import torch
from torch import nn
torch.manual_seed(6)
first = nn.Linear(2, 2)
second = nn.Linear(2, 1)
w1, w2 = first.weight, second.weight
x = torch.randn(3, 2)
second(first(x)).sum().backward()
second.zero_grad(False)
first(x).sum().backward()
""",
}


@pytest.mark.parametrize("name", sorted(KEEPING_ZEROS))
def test_zero_grad_keeping_tensors_gives_torchs_zeros_and_nones(name: str) -> None:
    theirs = by_name({name: KEEPING_ZEROS[name]})[name]
    ours = engine_side(KEEPING_ZEROS[name])
    assert agrees(ours, theirs) is None, agrees(ours, theirs)
    grads = theirs["grads"]
    if name.startswith("optimizer"):  # b kept zeros (set_to_none=True would make it None)
        assert grads["b"] == [0.0, 0.0] and grads["c"] is None
        assert ours["grads"]["b"] == [0.0, 0.0] and ours["grads"]["c"] is None
    else:
        assert grads["w2"] == [[0.0, 0.0]] and ours["grads"]["w2"] == [[0.0, 0.0]]


def test_a_scheduler_lambda_that_raises_raises_pythons_error_there() -> None:
    code = """import torch
p = torch.tensor([2.0], requires_grad=True)
opt = torch.optim.SGD([p], lr=0.3)
s = torch.optim.lr_scheduler.LambdaLR(opt, lambda e: 1 / e)
(p * p).sum().backward()
"""
    theirs = by_name({"raising": code})["raising"]
    assert theirs["error"] == {"type": "ZeroDivisionError", "message": "division by zero"}
    ours = engine_side(code)
    assert agrees(ours, theirs) is None, agrees(ours, theirs)


# ---- nn.Embedding(scale_grad_by_freq=True) -------------------------------------------------
BY_FREQUENCY = {
    "embedding_module_with_padding": """import torch
from torch import nn
torch.manual_seed(10)
table = nn.Embedding(5, 3, padding_idx=0, scale_grad_by_freq=True)
W = table.weight
words = torch.tensor([[4, 1, 0, 4], [4, 2, 2, 0]])
(table(words) * torch.arange(3.0)).sum().backward()
""",
    "functional_embedding": """import torch
import torch.nn.functional as F
torch.manual_seed(11)
W = torch.randn(4, 2, requires_grad=True)
picks = torch.tensor([3, 3, 1, 3])
F.embedding(picks, W, scale_grad_by_freq=True).pow(2).sum().backward()
""",
}


@pytest.mark.parametrize("name", sorted(BY_FREQUENCY))
def test_embedding_gradients_scaled_by_frequency_are_torchs(name: str) -> None:
    theirs = by_name({name: BY_FREQUENCY[name],
                      "unscaled": BY_FREQUENCY[name].replace("scale_grad_by_freq=True",
                                                             "scale_grad_by_freq=False")})
    # the rows picked several times really get a different gradient than unscaled
    assert not torch.allclose(torch.tensor(theirs[name]["grads"]["W"]),
                              torch.tensor(theirs["unscaled"]["grads"]["W"]))
    ours = engine_side(BY_FREQUENCY[name])
    assert agrees(ours, theirs[name]) is None, agrees(ours, theirs[name])
