"""Custom torch.autograd.Function classes: `MyFn.apply(x)` is read as the forward's torch
ops, and the snippet's own backward is checked against autograd's derivative of them on the
gradients the snippet's backward calls send. Each accepted snippet gives every leaf the
.grad plain torch gives it (in a subprocess, where torch runs the snippet's own backward);
a backward no call reaches is accepted unchecked. What is refused: the refusals test file."""

from __future__ import annotations

from typing import Any

import pytest
from test_corpus import agrees, engine_side
from torch_reference import by_name

from engine.run import run
from engine.snippets.codegen import generate
from engine.snippets.reader import import_snippet

HEAD = "import torch\nfrom torch.autograd import Function\ntorch.manual_seed(3)\n"

ACCEPTED = {
    "rectifier_masked_backward": HEAD + """
class Rectify(Function):
    @staticmethod
    def forward(ctx, t):
        ctx.save_for_backward(t)
        return t.clamp(min=0)

    @staticmethod
    def backward(ctx, upstream):
        t, = ctx.saved_tensors
        out = upstream.clone()
        out[t < 0] = 0
        return out

x = torch.randn(4, 3, requires_grad=True)
w = torch.randn(3, 2, requires_grad=True)
h = Rectify.apply(x @ w)
loss = (h * torch.tensor([1.0, -2.0])).sum()
loss.backward()
""",
    "cubic_in_a_training_loop": HEAD + """
class Cubic(torch.autograd.Function):
    @staticmethod
    def forward(ctx, t):
        ctx.save_for_backward(t)
        return t ** 3 - 2 * t

    @staticmethod
    def backward(ctx, upstream):
        t, = ctx.saved_tensors
        return upstream * (3 * t ** 2 - 2)

xs = torch.linspace(-1, 1, 7)
target = torch.cos(xs)
p = torch.tensor(0.5, requires_grad=True)
q = torch.tensor(-0.3, requires_grad=True)
cube = Cubic.apply
for step in range(4):
    pred = q + cube(p * xs)
    loss = (pred - target).pow(2).mean()
    loss.backward()
    with torch.no_grad():
        p -= 0.1 * p.grad
        q -= 0.1 * q.grad
        p.grad.zero_()
        q.grad.zero_()
pred = q + cube(p * xs)
loss = (pred - target).pow(2).mean()
loss.backward()
""",
    "exp_saving_its_result": HEAD + """
class Exponential(Function):
    @staticmethod
    def forward(ctx, t):
        e = t.exp()
        ctx.save_for_backward(e)
        return e

    @staticmethod
    def backward(ctx, upstream):
        e, = ctx.saved_tensors
        return upstream * e

a = torch.randn(5, requires_grad=True)
y = Exponential.apply(a * 0.5)
y.backward(torch.linspace(0.1, 0.9, 5))
""",
    "two_inputs_none_for_a_constant": HEAD + """
class Scale(Function):
    @staticmethod
    def forward(ctx, t, weights):
        ctx.save_for_backward(weights)
        return t * weights

    @staticmethod
    def backward(ctx, upstream):
        weights, = ctx.saved_tensors
        return upstream * weights, None

v = torch.randn(3, requires_grad=True)
k = torch.tensor([2.0, -1.0, 0.5])
out = Scale.apply(v, k).sum()
out.backward()
""",
    "a_constant_factor_on_ctx": HEAD + """
class Times(Function):
    @staticmethod
    def forward(ctx, t, factor):
        ctx.factor = factor
        return t * factor

    @staticmethod
    def backward(ctx, upstream):
        return upstream * ctx.factor, None

u = torch.randn(2, 2, requires_grad=True)
total = (Times.apply(u, 3.5) ** 2).sum()
total.backward()
""",
    "needs_input_grad_chooses": HEAD + """
class Product(Function):
    @staticmethod
    def forward(ctx, left, right):
        ctx.save_for_backward(left, right)
        return left * right

    @staticmethod
    def backward(ctx, upstream):
        left, right = ctx.saved_tensors
        grad_left = grad_right = None
        if ctx.needs_input_grad[0]:
            grad_left = upstream * right
        if ctx.needs_input_grad[1]:
            grad_right = upstream * left
        return grad_left, grad_right

m = torch.randn(3, requires_grad=True)
n = torch.randn(3)
r = torch.randn(3, requires_grad=True)
Product.apply(m, n).sum().backward()
Product.apply(m, r).pow(2).sum().backward()
""",
    "inside_a_model_with_setup_context": """import torch
import torch.nn as nn
torch.manual_seed(1)

class Square(torch.autograd.Function):
    @staticmethod
    def forward(t):
        return t * t

    @staticmethod
    def setup_context(ctx, inputs, output):
        t, = inputs
        ctx.save_for_backward(t)

    @staticmethod
    def backward(ctx, upstream):
        t, = ctx.saved_tensors
        return 2 * t * upstream

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 2)

    def forward(self, x):
        return Square.apply(self.fc(x))

net = Net()
batch = torch.randn(4, 3, requires_grad=True)
net(batch).mean().backward()
""",
    "two_outputs_without_materialized_grads": """import torch
from torch.autograd.function import once_differentiable
class Split(torch.autograd.Function):
    @staticmethod
    def forward(ctx, t):
        ctx.set_materialize_grads(False)
        ctx.save_for_backward(t)
        return t.sin(), t.cos()
    @staticmethod
    @once_differentiable
    def backward(ctx, ga, gb):
        t, = ctx.saved_tensors
        out = torch.zeros_like(t)
        if ga is not None:
            out = out + ga * t.cos()
        if gb is not None:
            out = out - gb * t.sin()
        return out
x = torch.linspace(0, 1, 4, requires_grad=True)
s, c = Split.apply(x)
(s * 2).sum().backward()
y = torch.linspace(-1, 1, 3, requires_grad=True)
s2, c2 = Split.apply(y)
(s2 + c2 * c2).sum().backward()
""",
    "an_output_marked_non_differentiable": """import torch
class MaxIdx(torch.autograd.Function):
    @staticmethod
    def forward(ctx, t):
        big = t * 2
        mask = (t > 0).float()
        ctx.mark_non_differentiable(mask)
        return big, mask
    @staticmethod
    def backward(ctx, gbig, gmask):
        return gbig * 2
x = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)
b, m = MaxIdx.apply(x)
print(m.requires_grad)
(b * m).sum().backward()
""",
    "an_autograd_grad_call_and_a_backward": """import torch
class Sq(torch.autograd.Function):
    @staticmethod
    def forward(ctx, t):
        ctx.save_for_backward(t)
        return t * t
    @staticmethod
    def backward(ctx, g):
        t, = ctx.saved_tensors
        return 2 * t * g
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = Sq.apply(x).sum()
gx, = torch.autograd.grad(y, x)
print(gx)
z = Sq.apply(x * 3).mean()
z.backward()
""",
}

NEVER_REACHED = HEAD + """
class Half(Function):
    @staticmethod
    def forward(ctx, t):
        return t / 2

    @staticmethod
    def backward(ctx, upstream):  # not an expression (a write into a place): checked if reached
        out = upstream.clone()
        out[0] = 0
        return out * 7

c = torch.ones(3, requires_grad=True)
unused = Half.apply(c)
other = (c * c).sum()
other.backward()
"""


@pytest.fixture(scope="module")
def reference() -> dict[str, dict[str, Any]]:
    return by_name({**ACCEPTED, "never_reached": NEVER_REACHED})


@pytest.mark.parametrize("name", sorted(ACCEPTED))
def test_read_as_plain_torch_runs_it(name: str, reference: dict[str, dict[str, Any]]) -> None:
    theirs = reference[name]
    assert theirs["error"] is None and theirs["grads"], theirs
    assert all(g is not None for g in theirs["grads"].values()), theirs
    ours = engine_side(ACCEPTED[name])
    assert agrees(ours, theirs) is None, agrees(ours, theirs)


def test_the_description_says_the_backward_was_checked() -> None:
    doc = import_snippet(ACCEPTED["rectifier_masked_backward"], layout=False)
    assert ("Rectify.apply was read as its forward's torch ops; its backward gives the same "
            "numbers as autograd's derivative of them for this snippet's gradients "
            "(checked 1 time).") in doc.description
    ops = {n.op for n in doc.nodes()}
    assert "clamp" in ops or "relu" in ops  # the forward's own op is on the canvas


def test_every_step_of_a_training_loop_is_checked() -> None:
    doc = import_snippet(ACCEPTED["cubic_in_a_training_loop"], layout=False)
    assert "(checked 5 times)" in doc.description  # 4 steps and the last backward


def test_the_generated_code_reads_back_to_the_same_grads(
        reference: dict[str, dict[str, Any]]) -> None:
    for name in ("rectifier_masked_backward", "needs_input_grad_chooses"):
        doc = import_snippet(ACCEPTED[name], layout=False)
        code = generate(doc)
        assert "Function" not in code  # the forward's ops, written out
        again = run(import_snippet(code, layout=False)).grads_by_name()
        first = run(doc).grads_by_name()
        assert set(again) == set(first)
        for leaf, grad in first.items():
            assert grad is not None and again[leaf] is not None
            assert grad.tolist() == again[leaf].tolist(), (name, leaf)


def test_a_backward_no_gradient_reaches_is_not_checked(
        reference: dict[str, dict[str, Any]]) -> None:
    doc = import_snippet(NEVER_REACHED, layout=False)
    assert "no backward call sent a gradient through it, so its own backward was not " \
           "checked" in doc.description
    assert agrees(engine_side(NEVER_REACHED), reference["never_reached"]) is None


def test_view_as_and_reshape_as_read_as_torch_reads_them(
        reference: dict[str, dict[str, Any]]) -> None:
    code = ("import torch\nx = torch.arange(6.0, requires_grad=True)\nm = torch.ones(2, 3)\n"
            "y = (x.view_as(m) * torch.arange(6.0).reshape_as(m)).sum()\ny.backward()\n")
    assert run(import_snippet(code, layout=False)).grads_by_name()["x"].tolist() == \
        [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
