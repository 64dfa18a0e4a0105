# source: https://github.com/d2l-ai/d2l-en/blob/master/chapter_preliminaries/autograd.md — changes: the second cell alone, with x re-made (its zero_ needs the first backward)
import torch
x = torch.arange(4.0, requires_grad=True)
y = x.sum()
y.backward()
x.grad
