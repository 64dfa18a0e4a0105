# source: https://sh2439.github.io/pytorch_proj/pytorch_tutorials/2_gradients.ipynb — changes: cells 42-46 (first backward only)
import torch
from torch.autograd import Variable
x = Variable(torch.ones(2), requires_grad= True)
y = 5*(x+1)**2
o = 0.5 * torch.sum(y)
o.backward(retain_graph = True)
x.grad
