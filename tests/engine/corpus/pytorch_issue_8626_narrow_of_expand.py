# source: https://github.com/pytorch/pytorch/issues/8626 — changes: the second comment's example with its >>> prompts removed and its displayed results dropped; torch.manual_seed(0) and the import added; the answers printed
import torch
torch.manual_seed(0)
x = torch.randn(3, 1, requires_grad=True)
y = x.expand(3, 3)
z = torch.randn(2, 3)
print(torch.autograd.grad((y.narrow(0, 0, 2) * z).sum(), x))
print(torch.autograd.grad((y.contiguous().narrow(0, 0, 2) * z).sum(), x))
print(torch.autograd.grad((y.clone().narrow(0, 0, 2) * z).sum(), x))
