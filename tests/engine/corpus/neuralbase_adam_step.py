# source: https://theneuralbase.com/pytorch/learn/beginner/loss-backward-computing-gradients/ — changes: the posted example up to optimizer.step() (a model, a loss module and an Adam optimizer)
import torch
import torch.nn as nn
from torch.optim import Adam
torch.manual_seed(42)
model = nn.Linear(3, 1)
loss_fn = nn.MSELoss()
optimizer = Adam(model.parameters(), lr=0.01)
X = torch.randn(4, 3)
y = torch.randn(4, 1)
# FIX: Always wrap validation/inference in no_grad to prevent graph building
with torch.no_grad():
    val_output = model(X)
    val_loss = loss_fn(val_output, y)
# Training loop — correct pattern
output = model(X)
loss = loss_fn(output, y)
# FIX: Use set_to_none=True for slightly faster zeroing (PyTorch 1.10+)
optimizer.zero_grad(set_to_none=True)
loss.backward()
optimizer.step()
