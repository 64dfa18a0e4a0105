# source: https://github.com/krishnaGauss/pytorch_tutorial (autograd notebook, cells 1-13) — changes: none
import torch
x = torch.tensor(3.0, requires_grad=True)
y = x**2
x
y
y.backward()
x.grad
x=torch.tensor(3.0, requires_grad=True)
y=x**2
z=torch.sin(y)
x
y
z
z.backward()
x.grad
