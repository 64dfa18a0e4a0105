# source: https://github.com/pytorch/pytorch/issues/6394 — changes: the console session's two examples as a script (Variable(torch.Tensor([1]), requires_grad=True) kept), the second one's x renamed x2
import torch
from torch.autograd import Variable
x=Variable(torch.Tensor([1]),requires_grad=True)
y=torch.sqrt(torch.pow(x - 1,0))
y.backward()
print(x.grad)
x2=Variable(torch.Tensor([1]),requires_grad=True)
y=x2-1
y.backward()
print(x2.grad)
