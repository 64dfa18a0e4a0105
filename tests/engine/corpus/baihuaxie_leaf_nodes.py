# source: https://github.com/baihuaxie/dl-initial (autograd notebook, "leaf nodes & intermediate nodes" cell) — changes: as posted
""" leaf nodes & intermediate nodes """

import torch

# leaf node A
a = torch.tensor(1.0, requires_grad=True)
# leaf node B
b = torch.tensor(2.0, requires_grad=True)
# intermediate node C
c = a*b
c.backward()
print(c.grad)
print(a.grad)
print(b.grad)
