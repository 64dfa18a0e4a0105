# source: https://github.com/d2l-ai/d2l-en/blob/master/chapter_preliminaries/autograd.md — changes: cell alone, x re-made instead of x.grad.zero_()
import torch
x = torch.arange(4.0, requires_grad=True)
y = x * x
y.backward(gradient=torch.ones(len(y)))  # Faster: y.sum().backward()
x.grad
