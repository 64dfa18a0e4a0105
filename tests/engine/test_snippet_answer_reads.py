"""Two reads learner code makes of autograd's answers (plain torch in a subprocess): what
torch.autograd.grad returned indexed with no name in between (`grad(y, x)[0][1]`, a slice,
a method), then computed with, printed or given as a later seed; and a backward whose seed is
a .grad (`y.backward(x.grad)`, `gradient=w.grad * 2`), whose .grad is the one torch held
before that backward ran, as Python reads the arguments before the call."""

from __future__ import annotations

from typing import Any

import pytest
import torch
from snippet_agreement import agreement_tests
from test_corpus import engine_side

SNIPPETS = {
    'answer_indexed_twice': """import torch
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = x[0] * x[1] ** 2 * x[2] ** 3
first = torch.autograd.grad(y, x, create_graph=True)[0]
d_11 = torch.autograd.grad(first[1], x, retain_graph=True)[0][1]
d_02 = torch.autograd.grad(first[0], x)[0][2]
print(d_11, d_02)
w = torch.ones(2, requires_grad=True)
(w * torch.stack([d_11, d_02])).sum().backward()
""",
    'answer_sliced_and_a_method_of_it': """import torch
x = torch.tensor([0.5, -1.0, 2.0, 1.5], requires_grad=True)
y = (x.sin() * x).sum()
middle = torch.autograd.grad(y, x, retain_graph=True)[0][1:3]
every_other = torch.autograd.grad(y, x, retain_graph=True)[0][::2]
total = torch.autograd.grad(y, x)[0].sum().item()
v = torch.zeros(2, requires_grad=True)
u = torch.zeros(2, requires_grad=True)
(v * middle + u * every_other * total).sum().backward()
print(middle, every_other, total)
""",
    'answer_item_in_arithmetic': """import torch
a = torch.tensor([2.0, 3.0], requires_grad=True)
loss = (a ** 3).sum()
scale = torch.autograd.grad(loss, a, retain_graph=True)[0][0] * 0.5 + 1
b = torch.tensor([1.0, -1.0], requires_grad=True)
(b * scale).sum().backward()
loss.backward()
print(scale, a.grad, b.grad)
""",
    'answer_sliced_as_a_later_seed': """import torch
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
z = x.exp() * x
slope = torch.autograd.grad(z.sum(), x, retain_graph=True)[0][1:]
y = x[:2] ** 3
y.backward(slope * 2)
w = x[1:] * 4
w.backward(gradient=torch.autograd.grad(z.sum(), x)[0][::2])
print(x.grad)
""",
    'seed_is_a_grad': """import torch
a = torch.tensor([1.0, -2.0, 0.5], requires_grad=True)
h = torch.tensor([0.3, 0.1, -0.4], requires_grad=True)
(h * h * a).sum().backward()
out = a.exp()
out.backward(h.grad)
tripled = a * 3
tripled.backward(a.grad)
h.backward(h.grad)
print(a.grad, h.grad)
""",
    'seed_is_twice_a_grad': """import torch
w = torch.tensor([[1.0, 2.0], [0.5, -1.0]], requires_grad=True)
(w ** 2).sum().backward()
y = w.tanh() * w
y.backward(gradient=w.grad * 2)
torch.autograd.backward(w.sin(), grad_tensors=w.grad)
print(w.grad)
""",
}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    """torch's third answer (∂/∂x of ∂y/∂x0) is one the engine must give, and the leaf a
    read answer reaches has .grad equal to it."""
    answers = reference["answer_indexed_twice"]["grad_answers"]
    assert answers is not None and len(answers) == 3
    assert answers[2] == [[0.0, 108.0, 108.0]]  # x1² x2³ differentiated again
    assert reference["answer_indexed_twice"]["grads"]["w"] == [54.0, 108.0]
    assert reference["answer_indexed_twice"]["stdout"] == "tensor(54.) tensor(108.)\n"


def _grads(name: str) -> dict[str, Any]:
    ours = engine_side(SNIPPETS[name])
    assert "refused" not in ours and ours["error"] is None, ours
    return dict(ours["grads"])


def test_an_answer_indexed_twice_is_the_second_derivative() -> None:
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    hessian = torch.autograd.functional.hessian(lambda v: v[0] * v[1] ** 2 * v[2] ** 3, x)
    assert _grads("answer_indexed_twice")["w"] == pytest.approx(
        [hessian[1, 1].item(), hessian[0, 2].item()])


def test_a_slice_and_a_method_of_an_answer_are_torchs_numbers() -> None:
    x = torch.tensor([0.5, -1.0, 2.0, 1.5])
    slope = x.sin() + x * x.cos()  # d/dx of x sin x, by hand
    grads = _grads("answer_sliced_and_a_method_of_it")
    assert grads["v"] == pytest.approx(slope[1:3].tolist())
    assert grads["u"] == pytest.approx((slope[::2] * slope.sum()).tolist())


def test_an_item_of_an_answer_in_arithmetic() -> None:
    grads = _grads("answer_item_in_arithmetic")
    scale = 3 * 2.0 ** 2 * 0.5 + 1  # d(a³)/da at a=2, halved, plus one
    assert grads["b"] == pytest.approx([scale, scale])
    assert grads["a"] == pytest.approx([12.0, 27.0])


def test_a_sliced_answer_as_a_later_seed() -> None:
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    slope = torch.autograd.grad((x.exp() * x).sum(), x)[0].detach()
    want = torch.zeros(3)
    want[:2] += 3 * x.detach()[:2] ** 2 * slope[1:] * 2
    want[1:] += 4 * slope[::2]
    assert _grads("answer_sliced_as_a_later_seed")["x"] == pytest.approx(want.tolist())


def test_a_grad_as_seed_is_read_before_its_backward_runs() -> None:
    a = torch.tensor([1.0, -2.0, 0.5], requires_grad=True)
    h = torch.tensor([0.3, 0.1, -0.4], requires_grad=True)
    (h * h * a).sum().backward()
    assert a.grad is not None and h.grad is not None
    a.exp().backward(h.grad)
    before = a.grad.clone()
    (a * 3).backward(before)
    h.backward(h.grad.clone())
    grads = _grads("seed_is_a_grad")
    assert grads["a"] == pytest.approx((before * 4).tolist())  # 3 × the .grad before, added
    assert grads["h"] == pytest.approx((2 * h.detach() * a.detach() * 2).tolist())


def test_a_grad_times_two_as_seed() -> None:
    w = torch.tensor([[1.0, 2.0], [0.5, -1.0]])
    first = 2 * w  # d(w²)/dw
    after = first + first * 2 * (w.tanh() + w * (1 - w.tanh() ** 2))  # seed · d(w tanh w)/dw
    want = after + after * w.cos()  # the .grad of that point as the seed of sin
    assert torch.tensor(_grads("seed_is_twice_a_grad")["w"]) == pytest.approx(want)


H = "import torch\nx = torch.tensor([1.0, 2.0], requires_grad=True)\ny = (x * x).sum()\n"


@pytest.mark.parametrize(("body", "said"), [
    # the tensor differentiated holds the .grad this backward then changes: not read
    ("y.backward(retain_graph=True)\n(x * x.grad).sum().backward()\n",
     "line 5, column 1: (x * x.grad).sum().backward() reads a .grad and calls backward in one "
     "statement"),
    # an answer inside a try: no run can tell it there, so it is refused at its line
    ("try:\n    g = torch.autograd.grad(y, x)[0][1]\nexcept RuntimeError:\n    pass\n",
     "line 5, column 5: g = torch.autograd.grad(y, x)[0][1] computes with what "
     "torch.autograd.grad returned"),
])
def test_what_stays_refused_says_where(body: str, said: str) -> None:
    refused = engine_side(H + body).get("refused", "")
    assert refused.startswith(said), refused
