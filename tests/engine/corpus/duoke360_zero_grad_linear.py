# source: https://duoke360.com/post/34845 ("问题现象") — changes: torch.manual_seed(0) added
import torch
import torch.nn as nn
torch.manual_seed(0)
model = nn.Linear(3, 1)
inputs = torch.randn(5, 3)
targets = torch.randn(5, 1)
loss = nn.MSELoss()(model(inputs), targets)
loss.backward()
print(model.weight.grad) # 输出全零张量
