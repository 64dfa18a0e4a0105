"""Forms met in a round of unseen learner code, each against plain torch in a subprocess: a
custom backward with a line whose result is dropped (`grad_x.clamp(min=0)` alone, a bug kept
as posted: torch runs the backward as written), and an in-place random fill of a leaf that
requires grad, which is torch's RuntimeError at that line; and a name bound to a leaf's
.grad itself (`gradient = weight.grad`) used in the update, as the same tensor."""

from __future__ import annotations

from typing import Any

from snippet_agreement import agreement_tests

SNIPPETS = {
    'backward_with_a_dropped_clamp': """import torch
torch.manual_seed(0)

class MyReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_output):
        x, = ctx.saved_tensors
        grad_x = grad_output.clone()
        grad_x.clamp(min=0)
        return grad_x

x = torch.randn(6, 4)
w1 = torch.randn(4, 5, requires_grad=True)
w2 = torch.randn(5, 2, requires_grad=True)
for t in range(3):
    loss = MyReLU.apply(x.mm(w1)).mm(w2).pow(2).sum()
    loss.backward()
    with torch.no_grad():
        w1 -= 1e-3 * w1.grad
        w2 -= 1e-3 * w2.grad
        w1.grad.zero_()
        w2.grad.zero_()
out = MyReLU.apply(x.mm(w1)).sum()
out.backward()
print(w1.grad)
""",
    'random_fill_of_a_leaf_that_requires_grad': """import torch
w = torch.FloatTensor(10)
w.requires_grad = True
print(w.is_leaf)
w.normal_()
""",
    'update_through_a_name_bound_to_grad': """import torch
weight = torch.nn.Parameter(torch.Tensor([[2]]))
loss = torch.mm(weight, weight) + 3
loss.backward()
gradient = weight.grad
print("gradient", gradient.data[0, 0])
weight.data = weight.data - 0.01 * gradient.data
print(weight.data[0, 0])
(weight * 5).sum().backward()
""",
    'the_name_follows_grad_through_a_loop': """import torch
w = torch.tensor([2.0, -1.0], requires_grad=True)
for i in range(3):
    loss = (w * w * (i + 1)).sum()
    loss.backward()
    g = w.grad
    w.data = w.data - 0.1 * g
    w.grad.data.zero_()
after = (w ** 3).sum()
after.backward()
print(w, g)
""",
}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    error = reference["random_fill_of_a_leaf_that_requires_grad"]["error"]
    assert error["type"] == "RuntimeError" and "leaf Variable that requires grad" in \
        error["message"]
    # the dropped clamp: the gradient passes where x < 0 too, unlike clamp's derivative
    assert reference["backward_with_a_dropped_clamp"]["error"] is None


def test_a_training_loops_about_text_keeps_what_the_reading_noted() -> None:
    from engine.snippets.reader import import_snippet

    doc = import_snippet("""import torch
w = torch.tensor([1.0], requires_grad=True)
for step in range(3):
    (w * w).sum().backward()
    with torch.no_grad():
        w -= 0.1 * w.grad
        w.grad.zero_()
torch.save(w, "w.pt")
""")
    assert doc.description.startswith("A training loop: 3 weight updates (line 6)")
    assert doc.description.endswith("torch.save at line 8 writes a file in the script; "
                                    "Gradflow wrote nothing.")
