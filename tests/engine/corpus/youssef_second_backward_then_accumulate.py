# source: https://github.com/youssef-mansor/LeNet-5 (notebook "Mastering autograd", cells 33-38) — changes: the cells in order as one script; it stops where cell 38 (a second y.backward()) raises
import torch
x = torch.arange(4.0, requires_grad= True)
x
x.grad
y = 2 * torch.dot(x, x)
y
y.backward()
y.backward()
x.grad
