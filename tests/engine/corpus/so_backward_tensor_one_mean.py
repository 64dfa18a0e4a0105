# source: https://stackoverflow.com/questions/49441425/in-pytorch-the-meaning-of-y-backward0-1-1-0-0-0001 — changes: the answer's code blocks joined with their imports
import torch
from torch.autograd import Variable
x = Variable(torch.ones(2, 2), requires_grad=True)
y = (x + 2).mean()
y.backward(torch.Tensor([1.0]))
print(x.grad)
y.backward(torch.Tensor([0.1]))
print(x.grad)
y.backward(torch.Tensor([0.1, 0.01]))
print(x.grad)
