# source: https://smrati.github.io/using-pytorch-to-compute-gradient.html — changes: as posted
import torch
x = torch.tensor([[2.]], requires_grad=True)
y = 3*(x**2) + 2*x +1
y.backward()
x.grad
