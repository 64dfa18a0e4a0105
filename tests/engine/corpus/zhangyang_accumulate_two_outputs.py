# source: https://zhang-yang.medium.com/how-pytorch-tensors-backward-accumulates-gradient-8d1bf675579b — changes: the post's three scalar cells joined, bare x.grad display lines kept
import torch
x = torch.ones(1, requires_grad=True); x
y = x**2
z = x**3
y.backward()
x.grad
z.backward()
x.grad
x = torch.ones(1, requires_grad=True)
y = x**2
z = x**3
z.backward()
x.grad
y.backward()
x.grad
x = torch.ones(1, requires_grad=True)
y = x**2
z = x**3
y.backward()
x.grad
x.grad.zero_()
z.backward()
x.grad
