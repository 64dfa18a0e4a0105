# source: https://github.com/chandrareddytiyyagura/pytorch-basics (autograd notebook, cells 1-14) — changes: the code cells in order as one script (bare display lines kept); it stops where the notebook's cell 14 raised
import torch
import numpy as np

x = torch.tensor(5.0, requires_grad=True)
x

y = x ** 3

y

y.backward()

x.grad

y.backward()
x.grad
