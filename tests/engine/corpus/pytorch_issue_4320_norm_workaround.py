# source: https://github.com/pytorch/pytorch/issues/4320 — changes: the commented-out second line (the workaround) made live; 16x3x64x64 made 4x3x2x2 (the 15 of the divisor kept as posted)
import torch
from torch.autograd.variable import Variable
import torch.nn.functional as F

a = Variable(torch.FloatTensor(4,3,2,2).zero_(),requires_grad=True)

# b = a.std(dim=0).mean()  # NaN gradients
b = (a - a.mean(dim=0,keepdim=True)).norm(p=2,dim=0).mean() / (15**0.5)  # 0 gradients

b.backward()

print(a.grad.data)
