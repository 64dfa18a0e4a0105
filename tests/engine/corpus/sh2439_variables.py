# source: https://sh2439.github.io/pytorch_proj/pytorch_tutorials/2_gradients.ipynb — changes: cells 11-15
import torch
from torch.autograd import Variable
a = Variable(torch.ones(2,2), requires_grad = True)
a
torch.ones(2,2)
b = Variable(torch.ones(2,2), requires_grad = True)
print(a+b)
print(torch.add(a,b))
c = (a * b).sum()
c.backward()
