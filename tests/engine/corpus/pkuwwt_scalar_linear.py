# source: https://github.com/pkuwwt/pytorch-tutorial (autograd notebook, cells 2-5) — changes: none
import torch
x = torch.tensor(1., requires_grad=True)
w = torch.tensor(2., requires_grad=True)
b = torch.tensor(3., requires_grad=True)
y = w * x + b
print(x, x.shape)
print(w, w.shape)
print(b, b.shape)
print(y, y.shape)
y.backward()
print(x.grad)
print(w.grad)
print(b.grad)
