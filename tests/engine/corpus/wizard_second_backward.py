# source: https://github.com/ponchodelosrios98/PyTorch_Wizard — changes: cells 12-23 (a second backward without retain_graph)
import torch
from torch.autograd import Variable
x = Variable(torch.ones(2), requires_grad=True)
y = 5 * (x + 1) ** 2
o = (1/x.shape[0]) * torch.sum(y)
o.backward()
o.backward(torch.FloatTensor([1.0,1.0]))
x.grad
