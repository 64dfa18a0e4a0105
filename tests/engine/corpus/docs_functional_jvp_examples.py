# source: https://pytorch.org/docs/stable/generated/torch.autograd.functional.jvp.html — changes: the docs' examples with their >>> prompts removed, the create_graph=True one left out; torch.manual_seed(0) and the imports added; each answer printed
import torch
from torch.autograd.functional import jvp
torch.manual_seed(0)
def exp_reducer(x):
    return x.exp().sum(dim=1)
inputs = torch.rand(4, 4)
v = torch.ones(4, 4)
print(jvp(exp_reducer, inputs, v))

def adder(x, y):
    return 2 * x + 3 * y
inputs = (torch.rand(2), torch.rand(2))
v = (torch.ones(2), torch.ones(2))
print(jvp(adder, inputs, v))
