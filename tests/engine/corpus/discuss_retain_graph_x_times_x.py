# source: https://discuss.pytorch.org/t/multiple-call-to-backward-still-works-when-retain-graph-false-why/9475 — changes: the answer's suggestion applied (y = x + 2 changed to y = x * x) and the first call without retain_graph, as the answer describes; torch.manual_seed(0) added
import torch
from torch.autograd import Variable
torch.manual_seed(0)
x = Variable(torch.ones(2, 2), requires_grad=True)
y = x * x
y.backward(torch.ones(2, 2))
print(x.grad)
z = y * y
print(z)
gradient = torch.randn(2, 2)
y.backward(gradient)
print(x.grad)
