# source: https://github.com/pytorch/pytorch/blob/main/docs/source/notes/autograd.rst — changes: the >>> lines as a script; torch.manual_seed(0) added for the random values; import torch added
import torch
torch.manual_seed(0)
x = torch.randn(5, 5)  # requires_grad=False by default
y = torch.randn(5, 5)  # requires_grad=False by default
z = torch.randn((5, 5), requires_grad=True)
a = x + y
a.requires_grad
b = a + z
b.requires_grad
