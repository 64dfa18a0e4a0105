# source: https://github.com/ponchodelosrios98/PyTorch_Wizard — changes: cells 12-22
import torch
from torch.autograd import Variable
x = Variable(torch.ones(2), requires_grad=True)
x
y = 5 * (x + 1) ** 2
y
o = (1/x.shape[0]) * torch.sum(y)
print(o)
o.backward()
print(x.grad)
