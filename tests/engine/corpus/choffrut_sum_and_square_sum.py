# source: https://github.com/antoinechoffrut/fastai-companion/blob/master/_notebooks/2020-04-19-pytorch-backward-function-vector-Jacobian-product.ipynb (cell 27) — changes: as posted
import torch
x = torch.arange(4, dtype=float, requires_grad=True)
y = torch.stack([x.sum(), (x**2).sum()])

print(f"x                 : {tuple(x.data.tolist())}")
print(f"y = (y_1, y_2)    : {tuple(y.data.tolist())}")

v1 = torch.tensor([1., 0.])
y.backward(v1, retain_graph=True)
print(f"gradient of y_1   : {tuple(x.grad.data.tolist())}")

x.grad.zero_()

v2 = torch.tensor([0., 1.])
y.backward(v2)
print(f"gradient of y_2   : {tuple(x.grad.data.tolist())}")
