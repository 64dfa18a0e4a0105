"""A script written for a GPU, read on the CPU as torch runs it on a machine without CUDA
(plain torch in a subprocess, and in the test itself): `device.type` picks the CPU branch, a
GradScaler and an autocast block that are off (given enabled=False, or "cuda" ones torch
disables itself) change no number, and ones that stay on for the CPU are refused with why.
torch.linalg on tensors without gradient (a reference answer: lstsq's .solution, solve, eigh,
svd, qr...) is torch's own numbers; with a gradient the ones outside the op list are refused.
"""

from __future__ import annotations

from typing import Any

import pytest
import torch
from snippet_agreement import agreement_tests
from test_corpus import engine_side

from engine.snippets.reader import import_snippet

SNIPPETS = {
    'device_type_picks_the_cpu_branch': """import torch
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
if device.type == "cuda":
    k = 2.0
else:
    k = 3.0
if str(device) == "cpu" and device.index is None:
    k = k + 1.0
x = torch.tensor([1.0, -2.0], device=device, requires_grad=True)
if x.device.type == "cpu" and x.device == device and x.device != "cpu":
    k = k * 2
y = (x * x * k).sum()
y.backward()
print(device, device.type, x.grad)
""",
    'disabled_scaler_training_loop': """import torch
from torch import nn
torch.manual_seed(0)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
use_amp = device.type == "cuda"
x = torch.randn(16, 3, device=device)
t = (x[:, 0] - 2 * x[:, 1]).unsqueeze(1).to(device)
model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1)).to(device)
opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
scaler = torch.amp.GradScaler("cuda", enabled=use_amp)
for step in range(12):
    opt.zero_grad()
    with torch.autocast(device_type=device.type, enabled=use_amp):
        loss = ((model(x) - t) ** 2).mean()
    scaler.scale(loss).backward()
    scaler.unscale_(opt)
    norm = nn.utils.clip_grad_norm_(model.parameters(), max_norm=0.5)
    scaler.step(opt)
    scaler.update()
print(loss.item(), float(norm), scaler.get_scale())
""",
    'old_spellings_of_a_disabled_scaler': """import torch
torch.manual_seed(1)
w = torch.randn(3, requires_grad=True)
x = torch.randn(5, 3)
opt = torch.optim.Adam([w], lr=0.05)
scaler = torch.cuda.amp.GradScaler(enabled=False)
other = torch.amp.GradScaler("cpu", enabled=False)
for step in range(5):
    opt.zero_grad()
    with torch.cuda.amp.autocast():
        loss = torch.sigmoid(x @ w).sum()
    with torch.amp.autocast("cpu", enabled=False):
        loss = loss + (w ** 2).sum()
    other.scale(scaler.scale(loss)).backward()
    scaler.step(opt)
    scaler.update()
print(w, scaler.is_enabled())
""",
    'lstsq_reference_answer': """import torch
A = torch.tensor([[2.0, 1.0], [1.0, 3.0], [0.5, -1.0]])
b = torch.tensor([1.0, 2.0, 0.5])
answer = torch.linalg.lstsq(A, b.unsqueeze(1))
x_ref = answer.solution.squeeze(1)
first = answer[0]
sol, residuals, rank, values = answer
w = torch.zeros(2, requires_grad=True)
for step in range(3):
    loss = ((A @ w - b) ** 2).sum() + ((w - x_ref) ** 2).sum() + (first.sum() - sol.sum()) * w[0]
    loss.backward()
    with torch.no_grad():
        w -= 0.05 * w.grad
        w.grad = None
loss = ((A @ w - b) ** 2).sum() * rank
loss.backward()
print(answer, w.grad)
""",
    'linalg_functions_on_constants': """import torch
S = torch.tensor([[4.0, 1.0], [1.0, 3.0]])
A = torch.tensor([[2.0, 1.0], [1.0, 3.0], [0.5, -1.0]])
solved = torch.linalg.solve(S, torch.tensor([1.0, 2.0]))
values, vectors = torch.linalg.eigh(S)
low = torch.linalg.eigvalsh(S)[0]
U, singular, Vh = torch.linalg.svd(A, full_matrices=False)
Q, R = torch.linalg.qr(A)
L = torch.linalg.cholesky(S)
fro = torch.linalg.matrix_norm(A) + torch.linalg.norm(A, "fro")
ones = torch.linalg.vector_norm(A, ord=1)
pinv = torch.linalg.pinv(A)
inv = torch.linalg.inv(S)
det = torch.linalg.det(S)
w = torch.tensor([0.5, -1.0], requires_grad=True)
y = (solved * w).sum() * low + (vectors @ w).pow(2).sum() + singular[0] * w[1] \\
    + (Q @ R).sum() * w[0] + L[1, 1] * fro * w[1] + ones * (w @ pinv).sum() \\
    + (inv @ w).sum() * det + (Vh[0] * w).sum() * values[1] + U[0, 0] * w[0]
y.backward()
print(w.grad)
""",
}
REFUSED = {
    'enabled_scaler_on_the_cpu': """import torch
w = torch.ones(2, requires_grad=True)
scaler = torch.amp.GradScaler("cpu")
""",
    'autocast_on_the_cpu': """import torch
w = torch.ones(2, 2, requires_grad=True)
with torch.autocast(device_type="cpu"):
    y = (w @ w).sum()
""",
    'lstsq_of_a_tensor_with_grad': """import torch
A = torch.tensor([[2.0, 1.0], [1.0, 3.0]], requires_grad=True)
x = torch.linalg.lstsq(A, torch.ones(2, 1)).solution
""",
}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_what_is_compared(reference: dict[str, dict[str, Any]]
                                                        ) -> None:
    """No snippet agrees by raising the same error on both sides."""
    assert {name: ran["error"] for name, ran in reference.items()} == dict.fromkeys(SNIPPETS)


def test_device_type_is_the_cpus() -> None:
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    k = (2.0 if device.type == "cuda" else 3.0) + (
        1.0 if str(device) == "cpu" and device.index is None else 0.0)
    x = torch.tensor([1.0, -2.0], device=device, requires_grad=True)
    if x.device.type == "cpu" and x.device == device and x.device != "cpu":
        k = k * 2  # a tensor's .device is a torch.device, never equal to a str
    (x * x * k).sum().backward()
    ours = engine_side(SNIPPETS["device_type_picks_the_cpu_branch"])
    assert x.grad is not None and ours["grads"]["x"] == x.grad.tolist() == [16.0, -32.0]


def test_the_scaler_loop_trains_as_plain_torch_without_a_scaler() -> None:
    """The weights the scaler's loop leaves are plain torch's, computed here with no scaler."""
    doc = import_snippet(SNIPPETS["disabled_scaler_training_loop"])
    torch.manual_seed(0)
    x = torch.randn(16, 3)
    t = (x[:, 0] - 2 * x[:, 1]).unsqueeze(1)
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1))
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    first = model[0].weight.detach().clone()
    for _ in range(12):
        opt.zero_grad()
        ((model(x) - t) ** 2).mean().backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=0.5)
        opt.step()
    ours = {n.name: n.value for n in doc.leaves()}
    assert not torch.allclose(model[0].weight, first)  # the loop did move the weights
    for name, param in model.named_parameters():
        mine = torch.tensor(ours[f"model_{name.replace('.', '_')}"])
        assert torch.allclose(mine, param.detach(), rtol=1e-5, atol=1e-6), name


def test_old_spellings_train_as_adam_alone() -> None:
    """The document is the last step: the weights four Adam steps left, and that step's
    .grad, as plain torch gives them without any scaler or autocast."""
    ours = engine_side(SNIPPETS["old_spellings_of_a_disabled_scaler"])
    doc = import_snippet(SNIPPETS["old_spellings_of_a_disabled_scaler"])
    torch.manual_seed(1)
    w = torch.randn(3, requires_grad=True)
    x = torch.randn(5, 3)
    opt = torch.optim.Adam([w], lr=0.05)
    started = w.detach().clone()
    for _ in range(5):
        started = w.detach().clone()
        opt.zero_grad()
        (torch.sigmoid(x @ w).sum() + (w ** 2).sum()).backward()
        opt.step()
    leaf = doc.node_by_name("w")
    assert leaf is not None and leaf.value == pytest.approx(started.tolist(), rel=1e-5)
    assert w.grad is not None and ours["grads"]["w"] == pytest.approx(w.grad.tolist(), rel=1e-5)
    assert "5 weight updates" in doc.description


def test_lstsq_fields_are_torchs(reference: dict[str, dict[str, Any]]) -> None:
    A = torch.tensor([[2.0, 1.0], [1.0, 3.0], [0.5, -1.0]])
    b = torch.tensor([1.0, 2.0, 0.5])
    x_ref = torch.linalg.lstsq(A, b.unsqueeze(1)).solution.squeeze(1)
    w = torch.zeros(2, requires_grad=True)
    for _ in range(3):
        ((A @ w - b) ** 2).sum().add(((w - x_ref) ** 2).sum()).backward()
        with torch.no_grad():
            w -= 0.05 * w.grad  # type: ignore[operator]
            w.grad = None
    (((A @ w - b) ** 2).sum() * 2).backward()  # rank 2
    ours = engine_side(SNIPPETS["lstsq_reference_answer"])
    assert w.grad is not None and ours["grads"]["w"] == pytest.approx(w.grad.tolist(), rel=1e-5)
    assert "solution=tensor([[0.4667]" in reference["lstsq_reference_answer"]["stdout"]


def test_linalg_on_constants_gives_torchs_numbers() -> None:
    S = torch.tensor([[4.0, 1.0], [1.0, 3.0]])
    A = torch.tensor([[2.0, 1.0], [1.0, 3.0], [0.5, -1.0]])
    w = torch.tensor([0.5, -1.0], requires_grad=True)
    values, vectors = torch.linalg.eigh(S)
    U, singular, Vh = torch.linalg.svd(A, full_matrices=False)
    Q, R = torch.linalg.qr(A)
    L = torch.linalg.cholesky(S)
    fro = 2 * torch.linalg.matrix_norm(A)
    pinv = torch.linalg.pinv(A)
    inv = torch.linalg.inv(S)
    y = (torch.linalg.solve(S, torch.tensor([1.0, 2.0])) * w).sum() * values[0] \
        + (vectors @ w).pow(2).sum() + singular[0] * w[1] + (Q @ R).sum() * w[0] \
        + L[1, 1] * fro * w[1] + A.abs().sum() * (w @ pinv).sum() \
        + (inv @ w).sum() * torch.linalg.det(S) + (Vh[0] * w).sum() * values[1] + U[0, 0] * w[0]
    y.backward()
    ours = engine_side(SNIPPETS["linalg_functions_on_constants"])
    assert w.grad is not None and ours["grads"]["w"] == pytest.approx(w.grad.tolist(), rel=1e-5)


@pytest.mark.parametrize(("name", "where", "words"), [
    ("enabled_scaler_on_the_cpu", "line 3, column 10: torch.amp.GradScaler('cpu') is enabled",
     "skips a step whose grads hold inf or NaN"),
    ("autocast_on_the_cpu", "line 3, column 6: torch.autocast(device_type='cpu') is on",
     "bfloat16 on the CPU"),
    ("lstsq_of_a_tensor_with_grad", "line 3, column 5: torch.linalg.lstsq of a tensor that "
     "requires grad", "torch.linalg.det, torch.linalg.inv and torch.linalg.norm"),
])
def test_what_stays_on_or_needs_a_gradient_is_refused_with_why(name: str, where: str,
                                                               words: str) -> None:
    refused = engine_side(REFUSED[name])["refused"]
    assert refused.startswith(where) and words in refused, refused
    if name != "lstsq_of_a_tensor_with_grad":
        assert "write enabled=False: mixed precision on a GPU is outside" in refused


def test_torch_really_keeps_these_on_here() -> None:
    """What the refusals stand on: on this CPU-only torch the "cpu" scaler and autocast stay
    on (the scaler scales the loss, autocast computes in bfloat16), the "cuda" ones turn off."""
    with pytest.warns(UserWarning):
        assert not torch.amp.GradScaler("cuda").is_enabled()
    loss = torch.tensor(2.0)
    assert torch.amp.GradScaler("cpu").scale(loss).item() == 2.0 * 65536
    w = torch.ones(2, 2)
    with torch.autocast(device_type="cpu"):
        assert (w @ w).dtype == torch.bfloat16


def test_a_named_field_torch_does_not_have_is_pythons_error() -> None:
    ours = engine_side("import torch\nr = torch.linalg.qr(torch.eye(2))\nq = r.solution\n")
    assert ours["error"] == {"type": "AttributeError", "node": None, "call": None, "message":
                             "'torch.return_types.linalg_qr' object has no attribute "
                             "'solution'"}, ours
