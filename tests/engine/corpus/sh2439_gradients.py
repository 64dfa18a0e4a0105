# source: https://sh2439.github.io/pytorch_proj/pytorch_tutorials/2_gradients.ipynb — changes: cells 42-47 (two backward calls)
import torch
from torch.autograd import Variable
x = Variable(torch.ones(2), requires_grad= True)
x
y = 5*(x+1)**2
y
o = 0.5 * torch.sum(y)
o
o.backward(retain_graph = True)
x.grad
o.backward(torch.FloatTensor([1.0,1.0]))
x.grad
