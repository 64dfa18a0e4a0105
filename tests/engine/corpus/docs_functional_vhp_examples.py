# source: https://pytorch.org/docs/stable/generated/torch.autograd.functional.vhp.html — changes: the docs' examples with their >>> prompts removed, the create_graph=True one left out; torch.manual_seed(0) and the imports added; each answer printed
import torch
from torch.autograd.functional import vhp
torch.manual_seed(0)
def pow_reducer(x):
    return x.pow(3).sum()
inputs = torch.rand(2, 2)
v = torch.ones(2, 2)
print(vhp(pow_reducer, inputs, v))

def pow_adder_reducer(x, y):
    return (2 * x.pow(2) + 3 * y.pow(2)).sum()
inputs = (torch.rand(2), torch.rand(2))
v = (torch.zeros(2), torch.ones(2))
print(vhp(pow_adder_reducer, inputs, v))
