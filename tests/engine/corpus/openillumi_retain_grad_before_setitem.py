# source: https://openillumi.com/en/en-pytorch-retain-grad-inplace-error-fix — changes: the article's pattern 2 (retain_grad called between the two assignments), written as (y-gt)**2 as in pattern 1
import torch
a = torch.tensor([1.], requires_grad=True)
y = torch.zeros((10))
gt = torch.zeros((10))
y[0] = a
y.retain_grad()
y[1] = y[0] * 2
loss = torch.sum((y-gt)**2)
loss.backward()
print(y.grad)
print(a.grad)
