# source: https://github.com/pytorch/tutorials/blob/main/beginner_source/introyt/autogradyt_tutorial.py — changes: the detach() cell; torch.manual_seed(0) and a backward of (x * y).sum() added
import torch
torch.manual_seed(0)

x = torch.rand(5, requires_grad=True)
y = x.detach()

print(x)
print(y)

(x * y).sum().backward()
print(x.grad)
