# source: https://discuss.pytorch.org/t/inplace-operation-changes-is-leaf-attribute/120297 — changes: operations 1 and 5 only, smaller shape, seed added
import torch
torch.manual_seed(0)
c = torch.randn(3, 2, requires_grad=True)
print(c.is_leaf)
try:
    c += 1
except RuntimeError:
    print(RuntimeError)
d = c.detach()
d += 1
print(c.is_leaf)
(c * 2).sum().backward()
