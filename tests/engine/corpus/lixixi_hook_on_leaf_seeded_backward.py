# source: https://github.com/lixixi89055465/py_stu/blob/master/wuenda/GAN/test5.py — changes: none
import torch
from torch import nn

v = torch.tensor([0., 0., 0.], requires_grad=True)
h = v.register_hook(lambda grad: grad * 2)  # double the gradient
v.backward(torch.tensor([1., 2., 3.]))
print(v.grad)
