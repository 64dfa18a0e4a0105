# source: https://isolution.pro/pl/q/so70246575/funkcja-wsteczna-w-pytorch — changes: first example: a backward per element (several calls)
import torch
a = torch.tensor([[1,2,3],[4,5,6]], dtype=torch.float, requires_grad=True)
for i in range(2):
  for j in range(3):
    out = a[i,j] * a[i,j]
    out.backward()
print(a.grad)
