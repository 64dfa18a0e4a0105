# source: https://github.com/dangxuanvuong98/Template_classification/blob/master/test_loss.py — changes: torch.manual_seed(0) added
import torch
from torch import nn
torch.manual_seed(0)
loss = nn.CrossEntropyLoss()
input = torch.randn(3, 5, requires_grad=True)
target = torch.empty(3, dtype=torch.long).random_(5)
print(input)
print(target)
output = loss(input, target)
print(output)
output.backward()
