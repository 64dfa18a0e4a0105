# source: https://github.com/razmikmelikbekyan/ML-playground/blob/master/PyTorch/Gradient%20with%20PyTorch.ipynb (cells 3-7) — changes: the notebook's bare display line written as print(...); the MNIST import left out
import torch
x = torch.arange(10, dtype=torch.float, requires_grad=True)

y = torch.sum(x ** 2 + 2 * x)
dy_dx_analytic = 2 * x + 2
y.backward(retain_graph=True)  # calculates gradient w.r.t. graph nodes
dy_dx_numeric = x.grad.clone()
print(bool(torch.all(dy_dx_numeric == dy_dx_analytic)))
