# source: https://github.com/baihuaxie/dl-initial (autograd notebook, "autograd on a tensor" cell) — changes: torch.manual_seed(0) added
""" autograd on a tensor """

import torch
torch.manual_seed(0)

x1 = torch.randn((2, 4), requires_grad=True)
x2 = torch.randn((2, 4), requires_grad=True)
y = x1 + x2
y.backward(y)
print(x1.grad)
