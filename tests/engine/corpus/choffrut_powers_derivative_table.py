# source: https://github.com/antoinechoffrut/fastai-companion/blob/master/_notebooks/2020-04-19-pytorch-backward-function-vector-Jacobian-product.ipynb (cell 53) — changes: as posted
import torch
import itertools
x = torch.tensor(1., requires_grad=True)
y = torch.stack([x**i for i in range(6)]).view(3,2)
ranges = [range(_) for _ in y.shape]

print("x:")
print(x.data)
print("\ny:")
print(y.data)

derivatives = torch.zeros_like(y)

for i, j in itertools.product(*ranges):
    v = torch.zeros_like(y)
    v[i,j] = 1.
    if x.grad is not None: x.grad.zero_()

    y.backward(v, retain_graph=True)
    derivatives[i,j] = x.grad.item()
print("\nDerivatives:")
print(derivatives)
