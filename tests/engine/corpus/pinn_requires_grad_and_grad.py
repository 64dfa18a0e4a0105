# source: https://github.com/zhuyekun/pytorch-PINN (notebook "How to Compute Grad using pytorch", cells 4, 25, 26) — changes: the bare grad(...) displays written as print(...); the next_functions walk left out
import torch
a = torch.tensor([1., 2., 3.])
b = torch.tensor([4., 5., 6.], requires_grad=True)

print("sin(a):", torch.sin(a))
print("sin(b):",torch.sin(b))

c = torch.sin(torch.sin(b).sum()**2)
print("c:", c)

from torch.autograd import grad

d = torch.sum(b**2)

print(grad(d, b))

e = b**2

print(grad(e, b, grad_outputs=torch.ones_like(e)))
