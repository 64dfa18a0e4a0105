# source: https://pytorch.org/docs/stable/generated/torch.nn.MultiMarginLoss.html — changes: the docs' example with its >>> prompts removed; x made with requires_grad=True and the loss's backward added, so there is a gradient to compare; torch.manual_seed(0) and the imports added
import torch
import torch.nn as nn
torch.manual_seed(0)
loss = nn.MultiMarginLoss()
x = torch.tensor([[0.1, 0.2, 0.4, 0.8]], requires_grad=True)
y = torch.tensor([3])
# 0.25 * ((1-(0.8-0.1)) + (1-(0.8-0.2)) + (1-(0.8-0.4)))
print(loss(x, y))
loss(x, y).backward()
