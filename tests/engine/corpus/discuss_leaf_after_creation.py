# source: https://discuss.pytorch.org/t/how-to-define-a-leaf-tensor-in-pytorch-0-4-1/28461 — changes: the two >>> examples as one script (the second renames x, y to x2, y2); a backward of (y + y2).sum() added
import torch
x = torch.tensor([1.0], requires_grad=True)
y = x * 2 # is_leaf = False
print(y)

x2 = torch.tensor([1.0])
y2 = x2 * 2
print(y2)
y2.requires_grad = True # is_leaf = True
print(y2)
print(y.is_leaf, y2.is_leaf)
(y + y2).sum().backward()
print(x.grad, y2.grad)
