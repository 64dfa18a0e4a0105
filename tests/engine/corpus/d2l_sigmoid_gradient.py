# source: https://github.com/d2l-ai/d2l-en/blob/master/chapter_multilayer-perceptrons/numerical-stability-and-init.md — changes: the d2l.plot call removed
import torch
x = torch.arange(-8.0, 8.0, 0.1, requires_grad=True)
y = torch.sigmoid(x)
y.backward(torch.ones_like(x))
