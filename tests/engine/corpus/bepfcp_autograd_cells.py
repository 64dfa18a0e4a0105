# source: https://github.com/BepfCp/RL-imple (notebook, AUTOMATIC DIFFERENTIATION cells) — changes: the code cells in order as one script; torch.manual_seed(0) added
import torch
import numpy as np
torch.manual_seed(0)

x = torch.ones(2, 2, requires_grad=True)
print(x)

y = x+2
print(y)

z = y*y*3
out = z.mean()
print(z, out)

a = torch.randn(2,2)
a = (a*3/(a-1))
print(a.requires_grad)
a.requires_grad_(True)
print(a.requires_grad)
b = (a*a).sum()
print(b.grad_fn)

out.backward()  # out has only one element

print(x.grad)

x = torch.randn(3, requires_grad=True)
y = x*2
while y.data.norm() < 1000:  # L2 norm
    y = y*2
print(y)

m = torch.tensor([0.1, 1.0, 0.01], dtype=torch.float)
y.backward(m)  # vector-Jacobian product
print(x.grad)

print(x.requires_grad)
print((x**2).requires_grad)

with torch.no_grad():
    print((x**2).requires_grad)

print(x.requires_grad)
y = x.detach()
print(y.requires_grad)
print(x.eq(y).all())
