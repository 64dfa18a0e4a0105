# source: https://pytorch.org/docs/stable/generated/torch.no_grad.html — changes: the example's >>> lines as a script; torch.manual_seed(0) and a backward of (a * x).sum() added
import torch
torch.manual_seed(0)
x = torch.tensor([1.], requires_grad=True)
with torch.no_grad():
    y = x * 2
y.requires_grad
@torch.no_grad()
def doubler(x):
    return x * 2
z = doubler(x)
z.requires_grad
@torch.no_grad()
def tripler(x):
    return x * 3
z = tripler(x)
z.requires_grad
# factory function exception
with torch.no_grad():
    a = torch.nn.Parameter(torch.rand(10))
a.requires_grad
(a * x).sum().backward()
