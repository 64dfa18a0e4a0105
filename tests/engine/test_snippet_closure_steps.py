"""`optimizer.step(closure)` (engine/snippets/closure_steps.py): torch's own optimizer calls
the closure as often as it does in the script (LBFGS: its iterations and line search), each
call read as the snippet's code; the losses, final weights and .grad agree with plain torch
in a subprocess."""

from __future__ import annotations

from typing import Any

import pytest
import torch
from snippet_agreement import agreement_tests
from test_corpus import engine_side

from engine.limits import Limit
from engine.run import run
from engine.snippets import statements
from engine.snippets.reader import TorchRaised, import_snippet
from engine.snippets.training import TRAINING_LOOP

REGRESSION = """import torch
torch.manual_seed(0)
x = torch.linspace(-1, 1, 12).unsqueeze(1)
y = 2.0 * x ** 3 - x + 0.5
model = torch.nn.Sequential(torch.nn.Linear(1, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1))
loss_fn = torch.nn.MSELoss()
"""
CLOSURE = """calls = []
def closure():
    calls.append(1)
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    return loss
"""
# what the loop printed, how often torch called the closure and the weights it ended
# with, made into .grad numbers the comparison sees: record.grad is each printed loss,
# counted.grad the number of calls, probe.grad the first layer's weight
SEEN = """record = torch.tensor(losses, requires_grad=True)
(record ** 2 / 2).sum().backward()
counted = torch.tensor(float(len(calls)), requires_grad=True)
(counted ** 2 / 2).backward()
probe = torch.ones(4, 1, requires_grad=True)
(probe * model[0].weight).sum().backward()
"""


def looped(optimizer: str, turns: int = 3) -> str:
    return (REGRESSION + f"optimizer = {optimizer}\n" + CLOSURE + "losses = []\n"
            f"for i in range({turns}):\n    loss = optimizer.step(closure)\n"
            "    print(loss.item())\n    losses.append(loss.item())\n" + SEEN)


SNIPPETS = {
    "lbfgs_default": looped("torch.optim.LBFGS(model.parameters(), lr=1, max_iter=5)"),
    "lbfgs_strong_wolfe": looped("torch.optim.LBFGS(model.parameters(), lr=1, max_iter=6, "
                                 "line_search_fn='strong_wolfe')"),
    "lbfgs_tolerance_stops_early": looped(
        "torch.optim.LBFGS(model.parameters(), max_iter=50, tolerance_grad=1e-2, "
        "history_size=3, line_search_fn='strong_wolfe')", turns=2),
    "sgd_closure": looped("torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)", 4),
    "adam_closure": looped("torch.optim.Adam(model.parameters(), lr=0.05)", 4),
    "lambda_closure_keyword": REGRESSION + "optimizer = torch.optim.SGD(model.parameters(), "
    "lr=0.2)\n" + CLOSURE + """for i in range(3):
    optimizer.step(closure=lambda: closure())
w = torch.ones(4, 1, requires_grad=True)
(w * model[0].weight).sum().backward()
""",
    # the neural style tutorial's loop: the closure clamps the image it optimizes, in place
    "style_transfer_clamps_in_the_closure": """import torch
torch.manual_seed(0)
target = torch.rand(1, 3, 4, 4)
input_img = (torch.rand(1, 3, 4, 4) * 1.6 - 0.3).requires_grad_(True)
optimizer = torch.optim.LBFGS([input_img])
run = [0]
while run[0] <= 20:
    def closure():
        with torch.no_grad():
            input_img.clamp_(0, 1)
        optimizer.zero_grad()
        loss = ((input_img - target) ** 2).mean() * 100
        loss.backward()
        run[0] += 1
        return loss
    optimizer.step(closure)
with torch.no_grad():
    input_img.clamp_(0, 1)
calls = torch.tensor(float(run[0]), requires_grad=True)
(calls ** 2 / 2).backward()
probe = torch.ones(1, 3, 4, 4, requires_grad=True)
(probe * input_img).sum().backward()
""",
    "clamped_weights_without_a_closure": """import torch
torch.manual_seed(0)
w = torch.randn(5, requires_grad=True)
for i in range(3):
    loss = (w * torch.arange(5.0)).sum()
    loss.backward()
    with torch.no_grad():
        w.addcmul_(w.grad, w.grad, value=-0.05)
        w.clamp_(-0.5, 0.5)
    w.grad.zero_()
probe = torch.ones(5, requires_grad=True)
(probe * w).sum().backward()
""",
    "loss_printed_in_the_closure": REGRESSION + """optimizer = torch.optim.LBFGS(
    model.parameters(), max_iter=4, line_search_fn="strong_wolfe")
history = []
def closure():
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    print(f"loss {loss.item():.6f}")
    history.append(loss.item())
    loss.backward()
    return loss
for step in range(2):
    optimizer.step(closure)
record = torch.tensor(history, requires_grad=True)
(record ** 2 / 2).sum().backward()
""",
    "dropout_in_the_closure": """import torch
torch.manual_seed(0)
x = torch.randn(8, 3)
y = torch.randn(8, 1)
model = torch.nn.Sequential(torch.nn.Linear(3, 6), torch.nn.ReLU(), torch.nn.Dropout(0.5),
                            torch.nn.Linear(6, 1))
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
def closure():
    optimizer.zero_grad()
    loss = ((model(x) - y) ** 2).mean()
    loss.backward()
    return loss
for step in range(3):
    optimizer.step(closure)
""",
    "python_error_in_the_closure": REGRESSION + """optimizer = torch.optim.SGD(
    model.parameters(), lr=0.1)
def closure():
    optimizer.zero_grad()
    loss = loss_fn(model(x), y) * weight
    loss.backward()
    return loss
optimizer.step(closure)
""",
    # curve fitting: two plain leaves, the fitted numbers read back from .grad
    "curve_fit_two_leaves": """import torch
torch.manual_seed(1)
t = torch.linspace(0, 2, 20)
obs = 3.0 * torch.exp(-1.5 * t) + 0.01 * torch.randn(20)
a = torch.tensor(1.0, requires_grad=True)
k = torch.tensor(0.5, requires_grad=True)
opt = torch.optim.LBFGS([a, k], lr=0.5, max_iter=10, line_search_fn="strong_wolfe")
def closure():
    opt.zero_grad()
    loss = ((a * torch.exp(-k * t) - obs) ** 2).mean()
    loss.backward()
    return loss
for step in range(4):
    opt.step(closure)
fitted = torch.ones(2, requires_grad=True)
(fitted * torch.stack([a, k])).sum().backward()
""",
    # a physics-informed loss: the closure differentiates u with create_graph=True
    "pinn_closure_with_autograd_grad": """import torch
torch.manual_seed(0)
net = torch.nn.Sequential(torch.nn.Linear(1, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
x = torch.linspace(0, 1, 10).unsqueeze(1).requires_grad_(True)
optimizer = torch.optim.LBFGS(net.parameters(), lr=1.0, max_iter=4)
def closure():
    optimizer.zero_grad()
    u = net(x)
    u_x = torch.autograd.grad(u, x, torch.ones_like(u), create_graph=True)[0]
    loss = ((u_x - torch.cos(x)) ** 2).mean() + net(torch.zeros(1, 1)).pow(2).sum()
    loss.backward()
    return loss
for it in range(2):
    optimizer.step(closure)
""",
    # the script calls the closure itself too; step() is under no_grad, the closure is not
    "closure_called_by_the_script_and_under_no_grad": """import torch
torch.manual_seed(0)
w = torch.randn(3, requires_grad=True)
x = torch.randn(5, 3)
y = torch.randn(5)
optimizer = torch.optim.Adam([w], lr=0.1)
count = 0
def closure():
    global count
    count += 1
    optimizer.zero_grad()
    loss = ((x @ w - y) ** 2).sum()
    loss.backward()
    return loss
first = closure()
for i in range(3):
    with torch.no_grad():
        loss = optimizer.step(closure)
seen = torch.tensor([float(count), first.item(), loss.item()], requires_grad=True)
(seen ** 2 / 2).sum().backward()
""",
    "step_of_none_is_a_plain_step": REGRESSION + """optimizer = torch.optim.SGD(
    model.parameters(), lr=0.1)
loss_fn(model(x), y).backward()
optimizer.step(None)
probe = torch.ones(4, 1, requires_grad=True)
(probe * model[0].weight).sum().backward()
""",
    "closure_error_in_the_body": REGRESSION + """optimizer = torch.optim.LBFGS(model.parameters())
def closure():
    optimizer.zero_grad()
    loss = loss_fn(model(x.t()), y)
    loss.backward()
    return loss
optimizer.step(closure)
""",
    "closure_returns_nothing": REGRESSION + """optimizer = torch.optim.LBFGS(model.parameters())
def closure():
    optimizer.zero_grad()
    loss_fn(model(x), y).backward()
optimizer.step(closure)
""",
}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def test_torch_calls_the_closure_as_often_as_its_optimizer_needs(reference: Any) -> None:
    """LBFGS evaluates many times a step, SGD and Adam once: what the agreement covers."""
    counts = {name: reference[name]["grads"]["counted"] for name in SNIPPETS
              if "counted" in reference[name]["grads"]}
    assert counts["sgd_closure"] == counts["adam_closure"] == 4.0
    assert counts["lbfgs_default"] == 15.0  # 3 steps of 1 + 4 evaluations (max_iter=5)
    assert counts["lbfgs_strong_wolfe"] > 3 * 6  # the line search evaluates more
    losses = reference["lbfgs_strong_wolfe"]["grads"]["record"]
    assert losses[0] > 5 * losses[-1]  # it really trained
    assert reference["lbfgs_strong_wolfe"]["stdout"].split() == [str(v) for v in losses]


def _plain_lbfgs() -> tuple[list[float], list[torch.Tensor]]:
    """The strong-Wolfe loop of SNIPPETS in plain torch, here: each closure call's loss,
    and the weights its last call saw."""
    torch.manual_seed(0)
    x = torch.linspace(-1, 1, 12).unsqueeze(1)
    y = 2.0 * x ** 3 - x + 0.5
    model = torch.nn.Sequential(torch.nn.Linear(1, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1))
    optimizer = torch.optim.LBFGS(model.parameters(), lr=1, max_iter=6,
                                  line_search_fn="strong_wolfe")
    losses: list[float] = []
    seen: list[torch.Tensor] = []

    def closure() -> torch.Tensor:
        optimizer.zero_grad()
        seen[:] = [p.detach().clone() for p in model.parameters()]
        loss = torch.nn.functional.mse_loss(model(x), y)
        loss.backward()
        losses.append(loss.item())
        return loss
    for _ in range(3):
        optimizer.step(closure)
    return losses, seen


def test_the_document_is_the_last_call_of_the_closure() -> None:
    code = SNIPPETS["lbfgs_strong_wolfe"].split("record = ")[0]
    doc = import_snippet(code, layout=False)
    result = run(doc)
    losses, seen = _plain_lbfgs()
    assert len(losses) == 22
    assert doc.description.startswith(TRAINING_LOOP)
    assert "The optimizer called the closure 22 times at line 17" in doc.description
    assert [c.kind for c in doc.calls] == ["zero_grad", "backward"]
    assert result.error is None
    assert result.values[doc.node_by_name("loss").id].item() == pytest.approx(losses[-1])
    for name, want in zip(("model_0_weight", "model_0_bias", "model_2_weight",
                           "model_2_bias"), seen, strict=True):
        assert torch.tensor(doc.node_by_name(name).value) == pytest.approx(want)


def test_an_error_in_the_closure_is_at_its_line() -> None:
    with pytest.raises(TorchRaised) as raised:
        import_snippet(SNIPPETS["closure_error_in_the_body"], layout=False)
    assert raised.value.line == 10  # loss = loss_fn(model(x.t()), y), inside the closure
    assert raised.value.torch_message == "mat1 and mat2 shapes cannot be multiplied (1x12 and 1x4)"


def test_python_s_error_in_the_closure_is_at_its_line(reference: Any) -> None:
    assert reference["python_error_in_the_closure"]["error"] == {
        "type": "NameError", "message": "name 'weight' is not defined"}
    with pytest.raises(TorchRaised) as raised:
        import_snippet(SNIPPETS["python_error_in_the_closure"], layout=False)
    assert (raised.value.line, raised.value.error_type) == (11, "NameError")


def test_each_call_counts_toward_the_statement_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(statements, "SNIPPET_STATEMENTS", Limit("statements run", 60))
    assert "refused" not in engine_side(looped("torch.optim.SGD(model.parameters(), lr=0.1)"))
    refused = engine_side(SNIPPETS["lbfgs_default"])["refused"]
    assert "over the limit of 60 statements run" in refused
    assert refused.startswith(("line 9,", "line 10,", "line 11,", "line 12,", "line 13,"))


def test_a_closure_stepping_itself_nests_too_deeply() -> None:
    code = REGRESSION + """optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
def closure():
    return optimizer.step(closure)
optimizer.step(closure)
"""
    assert "calls nest over the limit of 50" in engine_side(code)["refused"]


def test_step_of_something_else_than_a_closure_is_refused() -> None:
    code = REGRESSION + "optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n" \
        "optimizer.step(3)\n"
    assert "the closure is read as a def or lambda" in engine_side(code)["refused"]
