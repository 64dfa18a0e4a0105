"""Forms met in unseen learner code, each against plain torch in a subprocess (continued from
test_snippet_learner_round69.py): torch.autograd.grad of an earlier allow_unused answer that
holds None raises torch's own AssertionError at that line (pytorch issue 44189's third
derivative of a * x); a custom autograd.Function deriving from another of the snippet's
(pytorch issue 18619's Double2(Double)), with the forward it inherits and its own backward;
an attribute of an object held in a list or by another object changed in place
(Karpathy's makemore part 3: `layers[-1].gamma *= 0.1` under no_grad); a loop of many
steps that resets .grad (`p.grad = None`) and updates by hand-made gradients after one
backward (makemore part 4's "backprop ninja"), more resets than a document holds calls;
torch.backends.cudnn imported and set (pytorch/examples dcgan), settings that change
nothing on the CPU; dcgan's `opt.niter = 1` on what parse_args() gave, and its
`input.is_cuda` / `is_xpu` checks."""

from __future__ import annotations

from snippet_agreement import agreement_tests

SNIPPETS = {
    # https://github.com/pytorch/pytorch/issues/44189
    'third_derivative_of_an_unused_answer_raises_torchs_error': """import torch

def get_3rd_derx(a, x, func):
    y = func(a, x)
    dydx = torch.autograd.grad(y, x, create_graph=True)
    d2ydx2 = torch.autograd.grad(dydx, x, create_graph=True, allow_unused=True)
    d3ydx3 = torch.autograd.grad(d2ydx2, x, allow_unused=True)
    return d3ydx3

def func2(a, x):
    return torch.cos(a * x)

def func1(a, x):
    return a * x

dtype = torch.float64
a = torch.tensor(0.3, dtype=dtype).requires_grad_()
x = torch.tensor(1.0, dtype=dtype).requires_grad_()
d3func2 = get_3rd_derx(a, x, func2)
(d3func2[0] * a).backward()
d3func1 = get_3rd_derx(a, x, func1)
""",
    # https://github.com/pytorch/pytorch/issues/18619
    'function_deriving_from_a_function': """import torch


class Double(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        y = x ** 2
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, grad_output):
        x, _ = ctx.saved_tensors
        return grad_output * 2 * x


# this is equivalent, but uses the output of .forward() in .backward()
class Double2(Double):
    @staticmethod
    def backward(ctx, grad_output):
        x, y = ctx.saved_tensors
        return grad_output * 2 * y / x


double = Double.apply
double2 = Double2.apply

x = torch.tensor(2).double().requires_grad_()

print(
    'gradcheck',
    torch.autograd.gradcheck(double, x),
    torch.autograd.gradgradcheck(double, x),
    torch.autograd.gradcheck(double2, x),
    torch.autograd.gradgradcheck(double2, x),
)

y = double(x)
torch.autograd.grad(y, x, create_graph=True)
torch.autograd.grad(y, x)
print('double() ok')

y = double2(x)
torch.autograd.grad(y, x, create_graph=True)
torch.autograd.grad(y, x)
print('double2() ok')

class Triple(Double):
    @staticmethod
    def backward(ctx, grad_output):
        x, y = ctx.saved_tensors
        return grad_output * 3 * y / x

w = torch.tensor([1.5, -2.0], dtype=torch.float64, requires_grad=True)
(Triple.apply(w).sum() + Double2.apply(w).sum()).backward()
""",
    'attribute_of_a_listed_object_changed_in_place': """import torch
torch.manual_seed(0)
class Linear:
  def __init__(self, fan_in, fan_out, bias=True):
    self.weight = torch.randn((fan_in, fan_out)) / fan_in**0.5
    self.bias = torch.zeros(fan_out) if bias else None
  def __call__(self, x):
    self.out = x @ self.weight
    if self.bias is not None:
      self.out += self.bias
    return self.out
  def parameters(self):
    return [self.weight] + ([] if self.bias is None else [self.bias])
class Scale:
  def __init__(self, dim):
    self.gamma = torch.ones(dim)
  def __call__(self, x):
    return x * self.gamma
  def parameters(self):
    return [self.gamma]
class Holder:
  def __init__(self):
    self.block = Scale(3)
h = Holder()
layers = [Linear(4, 3), Scale(3)]
with torch.no_grad():
  layers[-1].gamma *= 0.1
  h.block.gamma += 2
  for layer in layers[:-1]:
    if isinstance(layer, Linear):
      layer.weight *= 5/3
parameters = [p for layer in layers for p in layer.parameters()] + h.block.parameters()
for p in parameters:
  p.requires_grad = True
x = torch.randn(2, 4)
out = h.block(layers[1](layers[0](x)))
out.pow(2).sum().backward()
""",
    'many_grad_resets_after_one_backward': """import torch
g = torch.Generator().manual_seed(2147483647)
W = torch.randn((3, 2), generator=g)
b = torch.randn(2, generator=g) * 0.1
parameters = [W, b]
for p in parameters:
  p.requires_grad = True
X = torch.randn((8, 3), generator=g)
loss = (X @ W + b).tanh().pow(2).mean()
for p in parameters:
  p.grad = None
loss.backward()
with torch.no_grad():
  for i in range(150):
    h = (X @ W + b).tanh()
    for p in parameters:
      p.grad = None
    dh = 2 * h / h.numel() * (1 - h ** 2)
    grads = [X.T @ dh, dh.sum(0)]
    lr = 0.1 if i < 100 else 0.01
    for p, grad in zip(parameters, grads):
      p.data += -lr * grad
  b.grad = torch.zeros(2) + b
""",
    'cudnn_settings_of_a_training_script': """import torch
import torch.backends.cudnn as cudnn
from torch.backends import cudnn as cd
cudnn.benchmark = True
cd.deterministic = True
torch.manual_seed(0)
w = torch.randn(3, requires_grad=True)
(w * w).sum().backward()
""",
    'options_set_after_parse_args_and_device_flags': """import argparse
import torch
parser = argparse.ArgumentParser()
parser.add_argument('--niter', type=int, default=5)
parser.add_argument('--dry-run', action='store_true')
opt = parser.parse_args(['--dry-run'])
if opt.dry_run:
    opt.niter = 2
opt.w = torch.ones(2, requires_grad=True)
opt.scale = 1.5
for i in range(opt.niter):
    (opt.w * opt.scale).sum().backward()
w = opt.w
if w.is_cuda or w.is_xpu or not w.is_cpu:
    (w * 100).sum().backward()
""",
}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)
