# source: https://github.com/antoinechoffrut/fastai-companion/blob/master/_notebooks/2020-04-19-pytorch-backward-function-vector-Jacobian-product.ipynb (cell 23) — changes: as posted
import torch
x = torch.tensor(1., requires_grad=True)
y = torch.stack([-x**3, 5*x])

v1 = torch.tensor([1., 0.])
y.backward(v1, retain_graph=True)

print(f"f_1'({x.data.item()}) = {x.grad.data.item():>4}")

x.grad.zero_()

v2 = torch.tensor([0., 1.])
y.backward(v2)
print(f"f_2'({x.data.item()}) = {x.grad.data.item():>4}")
