# source: https://pytorch.org/docs/stable/generated/torch.autograd.functional.hessian.html — changes: the docs' example with its >>> prompts removed; torch.manual_seed(0) and the imports added; the answer printed
import torch
from torch.autograd.functional import hessian
torch.manual_seed(0)
def pow_reducer(x):
    return x.pow(3).sum()
inputs = torch.rand(2, 2)
print(hessian(pow_reducer, inputs))
