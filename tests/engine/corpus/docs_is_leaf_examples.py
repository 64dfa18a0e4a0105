# source: https://pytorch.org/docs/stable/generated/torch.Tensor.is_leaf.html — changes: the docs' Examples block with its >>> prompts removed and its displayed results dropped; the .cuda() lines left out (a CPU-only machine); torch.manual_seed(0), the import and a backward() at the end added
import torch
torch.manual_seed(0)
a = torch.rand(10, requires_grad=True)
a.is_leaf
c = torch.rand(10, requires_grad=True) + 2
c.is_leaf
# c was created by the addition operation
e = torch.rand(10).requires_grad_()
e.is_leaf
# e requires gradients and has no operations creating it
(a * c + e).sum().backward()
