# source: https://github.com/pytorch/tutorials/blob/main/beginner_source/introyt/autogradyt_tutorial.py — changes: "Turning Autograd Off and On" first cell; a backward of b2.sum() added (b2 was made with autograd off)
import torch

a = torch.ones(2, 3, requires_grad=True)
print(a)

b1 = 2 * a
print(b1)

a.requires_grad = False
b2 = 2 * a
print(b2)

b2.sum().backward()
