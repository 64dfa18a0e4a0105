# source: https://github.com/d2l-ai/d2l-en/blob/master/chapter_multilayer-perceptrons/numerical-stability-and-init.md — changes: torch.manual_seed(0), requires_grad on the first M and a backward of M.sum() added; 10 products instead of 100
import torch
torch.manual_seed(0)
M = torch.normal(0, 1, size=(4, 4))
M.requires_grad_(True)
P = M
print('a single matrix \n', M)
for i in range(10):
    P = P @ torch.normal(0, 1, size=(4, 4))
print('after multiplying 10 matrices\n', P)
P.sum().backward()
