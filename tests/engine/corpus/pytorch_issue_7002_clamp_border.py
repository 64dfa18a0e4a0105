# source: https://github.com/pytorch/pytorch/issues/7002 — changes: the console session as a script (Variable(torch.tensor([0.0]), requires_grad=True) kept, outputs printed)
import torch
from torch.autograd import Variable
a=Variable(torch.tensor([0.0]), requires_grad=True)

# Normal result, gradient of a with respect to a is 1
print(torch.autograd.grad(a, a))

# Incorrect result
print(torch.autograd.grad(torch.clamp(a, 0, 1), a))

# Setting the min just below 0 also produces the correct result
print(torch.autograd.grad(torch.clamp(a, -0.1, 1), a))
