# source: https://pytorch.org/docs/stable/generated/torch.nn.MarginRankingLoss.html — changes: the docs' Examples block with its >>> prompts removed; torch.manual_seed(0) and the imports added
import torch
import torch.nn as nn
torch.manual_seed(0)
loss = nn.MarginRankingLoss()
input1 = torch.randn(3, requires_grad=True)
input2 = torch.randn(3, requires_grad=True)
target = torch.randn(3).sign()
output = loss(input1, input2, target)
output.backward()
