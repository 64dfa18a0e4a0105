# source: https://github.com/pytorch/pytorch/issues/3890 — changes: as posted
import torch
import numpy as np
from torch.autograd import Variable

x = Variable(torch.zeros(3,3), requires_grad=True)
s = torch.sigmoid(x)
s.requires_grad = True
s.retain_grad()
total = torch.sum(s)
total.backward()
assert(s.grad is not None)
