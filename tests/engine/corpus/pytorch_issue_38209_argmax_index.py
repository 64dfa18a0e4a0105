# source: https://github.com/pytorch/pytorch/issues/38209 — changes: .cuda() removed (the report's bug was on the GPU); torch.manual_seed(0) added
import torch
torch.manual_seed(0)
x = torch.randn((10, 2))
x.requires_grad = True
y = x*x
l = y.argmax(-1)
z = y[torch.arange(y.shape[0]), l]
z.sum().backward()
