# source: https://pytorch.org/docs/stable/generated/torch.nn.NLLLoss.html — changes: the docs' first example with its >>> prompts removed (the 2D conv example left out); torch.manual_seed(0) and the imports added
import torch
import torch.nn as nn
torch.manual_seed(0)
log_softmax = nn.LogSoftmax(dim=1)
loss_fn = nn.NLLLoss()
# input to NLLLoss is of size N x C = 3 x 5
input = torch.randn(3, 5, requires_grad=True)
# each element in target must have 0 <= value < C
target = torch.tensor([1, 0, 4])
loss = loss_fn(log_softmax(input), target)
loss.backward()
