# source: https://pytorch.org/docs/stable/generated/torch.nn.PoissonNLLLoss.html — changes: the docs' Examples block with its >>> prompts removed; torch.manual_seed(0) and the imports added
import torch
import torch.nn as nn
torch.manual_seed(0)
loss = nn.PoissonNLLLoss()
log_input = torch.randn(5, 2, requires_grad=True)
target = torch.randn(5, 2)
output = loss(log_input, target)
output.backward()
