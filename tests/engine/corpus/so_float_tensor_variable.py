# source: https://github.com/mayurbhangale/pytorch_notebook — changes: old Variable/FloatTensor style, condensed
import torch
from torch.autograd import Variable
x = Variable(torch.FloatTensor([[1, 2], [3, 4]]), requires_grad=True)
y = x + 2
z = y * y * 3
out = z.mean()
out.backward()
print(x.grad)
