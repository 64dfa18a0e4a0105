"""Forms met in unseen learner code, each against plain torch in a subprocess: torch.clamp
with tensor bounds (both, one, by keyword, as x.clip and x.clamp_min, and in the unbound
spelling torch.Tensor.clamp(x, lo, hi)), whose gradient at the bounds is torch's own and
not that of torch.max/torch.min; a tensor bound mixed with a number bound, torch's
TypeError; a custom Function whose forward takes *inputs; allow_unused=True on a gradient
kept as a graph whose graph in torch does not hold the input (d(x²y + y)/dy = x² + 1 holds
no y: torch answers None, although the document's gradient node has y among its inputs);
a backward of another tensor's graph after a model's .grad was clipped, which leaves the
clipped .grad as it is; torch.meshgrid of tensors that require grad (a PINN's grid of x and
t), in both indexings, of a list and with a 0-d tensor; a custom Function's forward with an
empty **kwargs that pools with return_indices=True, and nn.MaxPool2d(return_indices=True);
no_grad imported from torch.autograd.grad_mode (where an editor's auto-import takes it from)
and from torch; a model's parameters set by writing into its state_dict() tensors, which
share their memory; gradient hooks on leaves through training steps (a clamp on every
parameter of a model, a scale on a tensor, removed during a step and before one, a hook
added at each step, and two hooks on one leaf, which torch runs in turn)."""

from __future__ import annotations

from typing import Any

from snippet_agreement import agreement_tests

SNIPPETS = {
    'clamp_with_tensor_bounds_against_max_and_min': """import torch
a = torch.tensor([-2., -1., 0., 1., 2.], requires_grad=True)
b = torch.full((5,), -1.)
b.requires_grad = True
c = torch.full((5,), 1.)
c.requires_grad = True
torch.Tensor.clamp(a, b, c).sum().backward()
print(a.grad, b.grad, c.grad)
a.grad, b.grad, c.grad = None, None, None
torch.min(torch.max(a, b), c).sum().backward()
print(a.grad, b.grad, c.grad)
""",
    'clamp_spellings_with_one_tensor_bound': """import torch
x = torch.tensor([-2., -0.5, 0.3, 0.9, 2.], requires_grad=True)
lo = torch.tensor([-1., -1., 0.5, 0.0, 0.0], requires_grad=True)
hi = torch.tensor(1.0, requires_grad=True)
m = 0.25
y1 = x.clamp(lo, hi)
y2 = torch.clip(x, min=lo)
y3 = x.clamp_min(lo) + x.clamp_max(hi)
y4 = torch.clamp(x, max=hi) * x.clamp(m)
y5 = x.clip(None, lo)
print(y1, y2, y3, y4, y5)
(y1 * 1 + y2 * 2 + y3 * 3 + y4 * 4 + y5 * 5).sum().backward()
print(x.grad, lo.grad, hi.grad)
""",
    'a_tensor_bound_mixed_with_a_number': """import torch
x = torch.tensor([-2., -0.5, 0.3], requires_grad=True)
lo = torch.zeros(3)
y = x.clamp(lo, 1.0)
""",
    'custom_function_forward_of_star_inputs': """import torch
class Mul(torch.autograd.Function):
    @staticmethod
    def forward(ctx, *inputs):
        a, b = inputs
        ctx.save_for_backward(a, b)
        return a * b
    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return grad * b, grad * a
a = torch.tensor([1., 2.], requires_grad=True)
b = torch.tensor([0.5, -1.], requires_grad=True)
y = Mul.apply(a, b)
y.sum().backward()
print(a.grad, b.grad)
""",
    'second_derivative_of_a_gradient_that_does_not_hold_the_input': """import torch
x = torch.tensor(3., requires_grad=True)
y = torch.tensor(4., requires_grad=True)
f = x*x*y + y + 2
dfdx = torch.autograd.grad(f, x, create_graph=True)[0]
dfdy = torch.autograd.grad(f, y, create_graph=True)[0]
d2fdxdy = torch.autograd.grad(dfdx, y, retain_graph=True)[0]
d2fdydx = torch.autograd.grad(dfdy, x, retain_graph=True)[0]
d2fdydy = torch.autograd.grad(dfdy, y, allow_unused=True)[0]
d2zero = torch.autograd.grad(dfdy, [y, x], materialize_grads=True)
print(d2fdxdy, d2fdydx, d2fdydy, d2zero)
""",
    'clipped_grads_then_a_backward_of_another_graph': """import torch
import torch.nn as nn
torch.manual_seed(0)
model = nn.Linear(3, 1)
x_large = torch.randn(1, 3) * 100
loss = nn.MSELoss()(model(x_large), torch.tensor([[1.0]]))
loss.backward()
norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
print(norm, model.weight.grad)
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = x[0] ** 2 * x[1] + torch.sin(x[2])
y.backward()
print(x.grad, model.weight.grad.norm())
""",
    'meshgrid_of_tensors_that_require_grad': """import torch
x = torch.linspace(0, 3.0, 4, requires_grad=True)
t = torch.linspace(0, 1, 3, requires_grad=True)
c = torch.tensor(2.0, requires_grad=True)
X, T = torch.meshgrid(x, t, indexing="ij")
A, B, C = torch.meshgrid([x, t, c], indexing="xy")
print(X.shape, A.shape, X.grad_fn is not None)
loss = (X * T ** 2).sum() + (A * B * C * torch.arange(12.).reshape(3, 4, 1)).sum()
loss.backward()
print(x.grad, t.grad, c.grad)
X2, T2 = torch.meshgrid(x.detach(), t.detach(), indexing="ij")
print(X2)
""",
    'max_pool_with_return_indices_in_a_custom_function_and_a_module': """import torch
import torch.nn.functional as F
import torch.nn as nn
torch.manual_seed(0)
class SquareAndMaxPool1d(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input, kernel_size, **kwargs):
        kwargs['return_indices'] = True
        input_sqr = input ** 2
        output, indices = F.max_pool1d(input_sqr, kernel_size, **kwargs)
        ctx.save_for_backward(input, indices)
        return output
    @staticmethod
    def backward(ctx, grad_output):
        input, indices = ctx.saved_tensors
        grad_output_unpooled = torch.zeros_like(input)
        grad_output_unpooled.scatter_(2, indices, grad_output)
        grad_input = 2. * input * grad_output_unpooled
        return grad_input, None
x = torch.randn(1, 1, 6, requires_grad=True)
y = SquareAndMaxPool1d.apply(x, 2)
y.sum().backward()
print(y, x.grad)
pool = nn.MaxPool2d(2, return_indices=True)
img = torch.randn(1, 1, 4, 4, requires_grad=True)
out, idx = pool(img)
print(idx)
(out * torch.arange(4.).reshape(1, 1, 2, 2)).sum().backward()
print(img.grad)
""",
    'no_grad_imported_from_grad_mode_and_from_torch': """import torch
from torch.autograd.grad_mode import no_grad
from torch.autograd import grad_mode
from torch import enable_grad
x = torch.tensor([1.0, 2.0], requires_grad=True)
with no_grad():
    y = x * 2
with grad_mode.no_grad():
    y2 = x * 3
with enable_grad():
    z = (x ** 2).sum()
z.backward()
print(y.requires_grad, y2.requires_grad, x.grad)
""",
    'parameters_written_through_state_dict_tensors': """import torch
class Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.layer01 = torch.nn.Linear(2, 1)
    def forward(self, x):
        return torch.pow(self.layer01(x), 2)
model = Model()
model.state_dict()['layer01.weight'][:] = torch.tensor([[1.0, 2.0]])
sd = model.state_dict()
sd['layer01.bias'][:] = torch.tensor([3.0])
print(model.state_dict())
x = torch.tensor([[1.0, 0.1], [1.0, 0.1]], requires_grad=True)
u = model(x)
u.sum().backward()
print(x.grad, model.layer01.weight.grad)
sd['layer01.weight'].mul_(2)
print(model.layer01.weight)
""",
    'hooks_on_parameters_through_training_steps': """import torch
import torch.nn as nn
torch.manual_seed(0)
model = nn.Linear(3, 1)
for p in model.parameters():
    p.register_hook(lambda g: g.clamp(-0.5, 0.5))
opt = torch.optim.SGD(model.parameters(), lr=0.1)
x = torch.randn(8, 3)
y = torch.randn(8, 1) * 5
for step in range(3):
    opt.zero_grad()
    loss = ((model(x) - y) ** 2).mean()
    loss.backward()
    print(loss.item(), model.weight.grad)
    opt.step()
print(model.weight, model.bias)
""",
    'a_hook_removed_during_a_step': """import torch
w = torch.tensor([1.0, -2.0], requires_grad=True)
opt = torch.optim.SGD([w], lr=0.01)
h = w.register_hook(lambda g: g * 10)
for i in range(4):
    opt.zero_grad()
    loss = (w ** 2).sum()
    loss.backward()
    if i == 1:
        h.remove()
    opt.step()
    print(i, w.grad, w)
""",
    'a_hook_removed_before_a_step': """import torch
w = torch.tensor([1.0, -2.0], requires_grad=True)
opt = torch.optim.SGD([w], lr=0.01)
h = w.register_hook(lambda g: g * 10)
for i in range(4):
    if i == 2:
        h.remove()
    opt.zero_grad()
    loss = (w ** 2).sum()
    loss.backward()
    opt.step()
    print(i, w.grad, w)
""",
    'a_hook_added_at_every_step': """import torch
w = torch.tensor([1.0, -2.0], requires_grad=True)
opt = torch.optim.SGD([w], lr=0.01)
for i in range(3):
    w.register_hook(lambda g: g * 2)
    opt.zero_grad()
    y = w * 3
    y.register_hook(lambda g: g + 1)
    loss = (y ** 2).sum()
    loss.backward()
    opt.step()
    print(i, w.grad, w)
""",
    'two_hooks_on_one_leaf': """import torch
w = torch.tensor([1.0, -2.0], requires_grad=True)
w.register_hook(lambda g: g * 2)
w.register_hook(lambda g: g + 1)
loss = (w ** 2).sum()
loss.backward()
print(w.grad)
""",
}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    # at a = ±1, on a bound: clamp gives a the gradient, max/min split it with the bound
    printed = reference["clamp_with_tensor_bounds_against_max_and_min"]["stdout"].split("\n")
    assert printed[0] == ("tensor([0., 1., 1., 1., 0.]) tensor([1., 0., 0., 0., 0.]) "
                          "tensor([0., 0., 0., 0., 1.])")
    assert printed[1].startswith("tensor([0.0000, 0.5000, 1.0000, 0.5000, 0.0000])")
    grads = reference["clamp_spellings_with_one_tensor_bound"]["grads"]
    assert grads["lo"] == [6.0, 5.0, 6.0, 5.0, 5.0] and grads["hi"] == 12.0
    error = reference["a_tensor_bound_mixed_with_a_number"]["error"]
    assert error["type"] == "TypeError" and error["message"].startswith(
        "clamp() received an invalid combination of arguments - got (Tensor, float)")
    grads = reference["custom_function_forward_of_star_inputs"]["grads"]
    assert grads["a"] == [0.5, -1.0] and grads["b"] == [1.0, 2.0]
    printed = reference["second_derivative_of_a_gradient_that_does_not_hold_the_input"][
        "stdout"]
    assert printed.strip() == "tensor(6.) tensor(6.) None (tensor(0.), tensor(6.))"
    clipped = reference["clipped_grads_then_a_backward_of_another_graph"]
    assert clipped["grads"]["x"][:2] == [4.0, 1.0]
    weight, bias, _ = clipped["every_leaf_grad"]  # the model's, clipped to norm 1
    assert abs(sum(g * g for g in weight[0]) + bias[0] ** 2 - 1.0) < 1e-5
    grid = reference["meshgrid_of_tensors_that_require_grad"]["grads"]
    assert grid["x"] == [21.25, 24.25, 27.25, 30.25] and grid["c"] == 81.0
    pooled = reference["max_pool_with_return_indices_in_a_custom_function_and_a_module"]
    assert pooled["stdout"].count("tensor([[[[") == 2  # the indices and img.grad
    assert sorted(pooled["grads"]["img"][0][0][r][c] for r in range(4) for c in range(4))[
        -4:] == [0.0, 1.0, 2.0, 3.0]  # one place per window gets its weight
    assert reference["no_grad_imported_from_grad_mode_and_from_torch"]["stdout"] == \
        "False False tensor([2., 4.])\n"
    written = reference["parameters_written_through_state_dict_tensors"]
    assert all(abs(a - b) < 1e-5 for row in written["grads"]["x"]  # 2u·w with u = 4.2
               for a, b in zip(row, [8.4, 16.8], strict=True))
    assert "tensor([[2., 4.]], requires_grad=True)" in written["stdout"]
    # torch runs the first hook registered first: (2g) + 1 at w = [1, -2] is [5, -7]
    assert reference["two_hooks_on_one_leaf"]["grads"]["w"] == [5.0, -7.0]
    # the hook scales the step-1 and step-2 grads by 10; removed after step 2's backward
    removed = reference["a_hook_removed_during_a_step"]["stdout"].split("\n")
    assert removed[0].startswith("0 tensor([ 20., -40.])")
    assert removed[1].startswith("1 tensor([ 16., -32.])")
    assert removed[2].startswith("2 tensor([ 1.2800, -2.5600])")
