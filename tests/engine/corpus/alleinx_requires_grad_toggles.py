# source: https://github.com/Alleinx/Notes/blob/master/AI/pytorch/Doc/notes/autograd.py — changes: the requires_grad part only (the pretrained resnet and optimizer lines left out); torch.manual_seed(0) and a backward of (x * x).sum() added
import torch
torch.manual_seed(0)
x = torch.rand(3, 1, dtype=torch.float, requires_grad=False)

print('Before requires_grad()_:', x.requires_grad)

x.requires_grad_()
print('After requires_grad()_:', x.requires_grad)
x.requires_grad_(False)
print('After requires_grad(False)_:', x.requires_grad)

print('Manually set requires_grad:')
x.requires_grad = True
print('After requires_grad = True:', x.requires_grad)
(x * x).sum().backward()
print(x.grad)
