# source: https://github.com/pytorch/pytorch/issues/2421 (dannysdeng's comment) — changes: Python 2's print x.grad written print(x.grad); the imports added
import torch
from torch.autograd import Variable
x = Variable(torch.zeros(1), requires_grad=True)
x = x + 1e-16
x.norm().backward()
print(x.grad)
