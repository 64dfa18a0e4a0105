# source: https://github.com/zakilbaki/repertoire-d2l_zak (autograd notebook, cells 1-14) — changes: torch.manual_seed(0) added; bare displays written as print(...)
import torch
torch.manual_seed(0)

x = torch.arange(4.0)
print(x)
x.requires_grad_(True)
print(x.grad)  # The gradient is None by default
y = 2 * torch.dot(x, x)
print(y)
y.backward()
print(x.grad)
print(x.grad == 4 * x)
x.grad.zero_()
y = x * x
y.backward(gradient=torch.ones(len(y)))  # Faster: y.sum().backward()
print(x.grad)
x.grad.zero_()
y = x * x
u = y.detach()
z = u * x

z.sum().backward()
print(x.grad == u)
x.grad.zero_()
y.sum().backward()
print(x.grad == 2 * x)
def f(a):
    b = a * 2
    while b.norm() < 1000:   # loop depends on input a
        b = b * 2
    if b.sum() > 0:          # branch depends on input a
        c = b
    else:
        c = 100 * b
    return c
# depends entirely on a
a = torch.randn(size=(), requires_grad=True)  # random scalar
d = f(a)  # builds a graph depending on the value of a
d.backward()  # computes ∂d/∂a
print(a.grad == d / a)
