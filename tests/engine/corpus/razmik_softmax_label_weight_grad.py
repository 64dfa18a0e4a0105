# source: https://github.com/razmikmelikbekyan/ML-playground/blob/master/PyTorch/Gradient%20with%20PyTorch.ipynb (cells 9-13) — changes: torch.manual_seed(0) added; the bare display lines written as print(...)
import torch
import torch.nn.functional as F
torch.manual_seed(0)
n = 10
m = 20

w = torch.randn(n, m, requires_grad=True)
h = torch.randint(3, (20, 1), dtype=torch.float)
y = torch.matmul(w, h)
p = F.softmax(y, dim=0)

label = torch.zeros_like(p)
label[5] = 1.

loss = -torch.sum(label * torch.log(p))
print(loss)
loss.backward()
w_analytic_grad = torch.matmul((p - label) , h.view(1, -1))
print(torch.allclose(w_analytic_grad,  w.grad.data))
