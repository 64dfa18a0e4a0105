# source: https://github.com/chandrareddytiyyagura/pytorch-basics (autograd notebook, "Partial derivative" cells 15-31) — changes: the code cells in order as one script (bare display lines kept)
import torch

x = torch.tensor(5.0, requires_grad=True)
y = torch.tensor(5.0, requires_grad=True)

f = x **2 + y**2

f.backward()

f.grad_fn

x.grad # Partial derivative wrt x

y.grad # partial derirvative wrt y

x = torch.tensor(5.0, requires_grad=True)
y = torch.tensor(5.0, requires_grad=True)

f2 = x**2 * y**2

f2.backward()

f2.grad_fn

x.grad

y.grad
