# source: https://pytorch.org/docs/stable/generated/torch.nn.functional.binary_cross_entropy.html — changes: the docs' Examples block with its >>> prompts removed; torch.manual_seed(0) and the imports added
import torch
import torch.nn.functional as F
torch.manual_seed(0)
input = torch.randn(3, 2, requires_grad=True)
target = torch.rand(3, 2, requires_grad=False)
loss = F.binary_cross_entropy(torch.sigmoid(input), target)
loss.backward()
