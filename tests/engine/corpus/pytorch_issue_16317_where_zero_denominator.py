# source: https://github.com/pytorch/pytorch/issues/16317 — changes: the two snippets in order, the second one's x renamed x2; `import torch` added
import torch
x = torch.tensor([0.0, 1.0], requires_grad=True)
n = torch.tensor([0.0, 2.0])
y = x / n
y = torch.where(n==0, torch.zeros_like(y), y)
y.sum().backward()
print(y)
print(x.grad)

x2 = torch.tensor([0.0, 1.0], requires_grad=True)
y = x2 / torch.where(n==0, torch.ones_like(n), n)
y = torch.where(n==0, torch.zeros_like(y), y)
y.sum().backward()
print(y)
print(x2.grad)
