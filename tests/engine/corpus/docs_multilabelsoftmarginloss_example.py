# source: https://pytorch.org/docs/stable/generated/torch.nn.MultiLabelSoftMarginLoss.html — changes: the docs' Examples block with its >>> prompts removed; torch.manual_seed(0) and the imports added
import torch
import torch.nn as nn
torch.manual_seed(0)
loss = nn.MultiLabelSoftMarginLoss()
input = torch.randn(3, 5, requires_grad=True)
target = torch.empty(3, 5).random_(2)
output = loss(input, target)
output.backward()
