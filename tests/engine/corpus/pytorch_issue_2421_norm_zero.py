# source: https://github.com/pytorch/pytorch/issues/2421 — changes: Python 2's print x.grad written print(x.grad); the import added
import torch
from torch.autograd import Variable
x = Variable(torch.zeros(1), requires_grad=True)
x.norm().backward()
print(x.grad)
