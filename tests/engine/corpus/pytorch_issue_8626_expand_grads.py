# source: https://github.com/pytorch/pytorch/issues/8626 — changes: the first example's >>> prompts removed and its displayed results dropped; torch.manual_seed(0) and the import added; the answers printed
import torch
torch.manual_seed(0)
x = torch.zeros(2, requires_grad=True)
xx = x.expand(3, 2)
z = torch.randn(3, 2)
print(torch.autograd.grad((xx * z).mean(), x)[0])
print(torch.autograd.grad((xx.reshape(3, 2) * z).mean(), x)[0])
