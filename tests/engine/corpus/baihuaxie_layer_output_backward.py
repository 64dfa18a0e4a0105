# source: https://github.com/baihuaxie/dl-initial (autograd notebook, "autograd on the output tensor of a layer" cell) — changes: torch.manual_seed(0) added
""" autograd on the output tensor of a layer. """

import torch
import torch.nn as nn
torch.manual_seed(0)

model = nn.Sequential(
    nn.Linear(10, 20),
)
x = torch.randn((2, 10), requires_grad=True)
out = model(x)
out.backward(out)
print(x.grad)
print(out.grad)
