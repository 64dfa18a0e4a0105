# source: https://github.com/antoinechoffrut/fastai-companion/blob/master/_notebooks/2020-04-19-pytorch-backward-function-vector-Jacobian-product.ipynb (cells 45 and 47) — changes: the two cells joined, the second x renamed x2 (and its y, v)
import torch
x = torch.tensor([1.], requires_grad=True)
y = x**2
v = torch.ones_like(y)
y.backward()
print(f"Shape of x         : {tuple(x.shape)}")
print(f"Shape of y         : {tuple(y.shape)}")
print(f"gradient argument  : {v}")
x2 = torch.tensor([[1.]], requires_grad=True)
y2 = x2**2
v2 = torch.ones_like(y2)
y2.backward()
print(f"Shape of x         : {tuple(x2.shape)}")
print(f"Shape of y         : {tuple(y2.shape)}")
print(f"gradient argument  : {v2}")
