# source: https://github.com/pytorch/pytorch/issues/8874 — changes: the x[0] += 0 line uncommented, as the issue asks the reader to do
import torch
x = torch.ones(4, requires_grad=True).clone()
xx = x[2:]
y = xx[1]
xx.retain_grad()
x[0] += 0
y.backward()
xx.grad
