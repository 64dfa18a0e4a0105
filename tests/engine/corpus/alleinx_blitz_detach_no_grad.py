# source: https://github.com/Alleinx/Notes/blob/master/AI/pytorch/Doc/pytorch_tutorial/autograd.ipynb (cells 0-2) — changes: the two cells joined, torch.manual_seed(0) added
import torch
torch.manual_seed(0)
x = torch.ones(2, 2, requires_grad=True)

y = x + 2

z = y * y * 3

out = z.mean()

out.backward()

print(x.grad)

# Could stop a tensor from tracking history
x = x.detach()
print(x.requires_grad, x.grad)

with torch.no_grad():
    print((x ** 2).requires_grad)
a = torch.rand(2,2)
a = ((a * 3) / (a - 1))

print(a.requires_grad)

a.requires_grad_(True)
print(a.requires_grad)

b = (a * a).sum()

b.backward()
print(a.grad)
