# source: https://github.com/Jason-cs18/Awesome-DL-Development (d2l autograd notebook, cells 1-19) — changes: cell 6's repeated y.backward() dropped (it raised there); torch.manual_seed(0) added before torch.randn
import torch

x = torch.arange(4.0)
x
x.requires_grad_(True)
y = 2 * torch.dot(x, x)
y
y.backward()
x.grad
x.grad.zero_()
y = x.sum()
y.backward()
x.grad
# Backward for Non-Scalar Variables
x.grad.zero_()
y = x * x
y.sum().backward()
x.grad
# Detaching Computation
x.grad.zero_()
y = x * x
u = y.detach()
z = u * x

z.sum().backward()
x.grad
x.grad.zero_()
y.sum().backward()
x.grad == 2 * x
# Computing the Gradient of Python Control Flow
def f(a):
    b = a * 2
    while b.norm() < 1000:
        b = b * 2
    if b.sum() > 0:
        c = b
    else:
        c = 100 * b
    return c

torch.manual_seed(0)
a = torch.randn(size=(3, 4), requires_grad=True)
d = f(a)
d.sum().backward()
a.grad
