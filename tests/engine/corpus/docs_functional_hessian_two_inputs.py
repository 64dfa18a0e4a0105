# source: https://pytorch.org/docs/stable/generated/torch.autograd.functional.hessian.html — changes: the docs' second example (two inputs) with its >>> prompts removed; torch.manual_seed(0) and the imports added; the answer printed
import torch
from torch.autograd.functional import hessian
torch.manual_seed(0)
def pow_adder_reducer(x, y):
    return (2 * x.pow(2) + 3 * y.pow(2)).sum()
inputs = (torch.rand(2), torch.rand(2))
print(hessian(pow_adder_reducer, inputs))
