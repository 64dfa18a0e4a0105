# source: https://github.com/d2l-ai/d2l-en/blob/master/chapter_preliminaries/autograd.md — changes: cell alone, x re-made instead of x.grad.zero_()
import torch
x = torch.arange(4.0, requires_grad=True)
y = x * x
u = y.detach()
z = u * x
z.sum().backward()
x.grad == u
