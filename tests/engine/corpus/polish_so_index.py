# source: https://isolution.pro/pl/q/so70246575/funkcja-wsteczna-w-pytorch — changes: first example with one element
import torch
a = torch.tensor([[1,2,3],[4,5,6]], dtype=torch.float, requires_grad=True)
out = a[1, 2] * a[1, 2]
out.backward()
print(a.grad)
