# source: https://github.com/pytorch/pytorch/issues/8626 — changes: the third comment's first example as posted (the commented-out transpose_ line kept); the answer printed
import torch
x = torch.ones([3, 1], requires_grad=True)
xx = x.expand(3, 3)
y = xx[:]
#xx.transpose_(0, 1)
z = torch.arange(9).reshape(3,3).float()
print(torch.autograd.grad(y, x, z))
