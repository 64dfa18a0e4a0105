# source: https://github.com/d2l-ai/d2l-en/blob/master/chapter_preliminaries/autograd.md — changes: the chapter's cells in order (several backward calls and x.grad.zero_())
import torch
x = torch.arange(4.0)
x.requires_grad_(True)
y = 2 * torch.dot(x, x)
y.backward()
x.grad.zero_()
y = x.sum()
y.backward()
x.grad
