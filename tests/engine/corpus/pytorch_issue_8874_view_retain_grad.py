# source: https://github.com/pytorch/pytorch/issues/8874 — changes: none (the commented-out x[0] += 0 line kept)
import torch
x = torch.ones(4, requires_grad=True).clone()
xx = x[2:]
y = xx[1]
xx.retain_grad()
#x[0] += 0
y.backward()
xx.grad
