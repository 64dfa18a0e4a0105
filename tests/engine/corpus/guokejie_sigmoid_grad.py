# source: https://github.com/guokejie/nash-pytorch (sigmoid gradient notebook, cells 10-26) — changes: none
import numpy as np
import torch
from torch import nn
x = torch.tensor(1., requires_grad=True)
x
y = x.sigmoid()
y
1 / (1 + np.exp(-1))
# 求导
y.backward()
x.grad
x.sigmoid() * (1 - x.sigmoid())
x = torch.tensor([1., 2., 3.], requires_grad=True)
x
y = x.sigmoid().sum()
y
x.sigmoid()
0.7311 + 0.8808 + 0.9526
x.grad
y.backward()
x.grad
x.sigmoid() * (1 - x.sigmoid())
