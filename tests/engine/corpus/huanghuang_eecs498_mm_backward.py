# source: https://github.com/HuangHuangZhengZheng/EECS498-007 (PyTorch notes notebook, "自动微分基础" cells 7-11) — changes: torch.manual_seed(0) added before torch.rand
import torch
torch.manual_seed(0)

x = torch.rand(2,2)
x.requires_grad
x = torch.rand(2,2)
x.requires_grad = True

z = 4 * x
z
z = torch.ones(2,1)
x = torch.Tensor([[2, 3], [1, 2]])
x.requires_grad = True
y = x.mm(z)
y
y.backward(torch.ones_like(y))
x.grad
