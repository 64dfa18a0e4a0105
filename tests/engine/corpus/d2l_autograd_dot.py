# source: https://github.com/d2l-ai/d2l-en/blob/master/chapter_preliminaries/autograd.md — changes: cells joined; x.requires_grad_(True) kept; display lines kept
import torch
x = torch.arange(4.0)
x
x.requires_grad_(True)
x.grad
y = 2 * torch.dot(x, x)
y
y.backward()
x.grad
x.grad == 4 * x
