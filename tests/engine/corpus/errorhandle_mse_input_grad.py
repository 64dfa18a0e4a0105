# source: https://errorhandle.ai/pytorch-how-to-directly-find-gradient-w-r-t-loss — changes: torch.manual_seed(0) added
import torch
import torch.nn as nn
torch.manual_seed(0)

# Dummy input and target
x = torch.randn(10, requires_grad=True)
target = torch.randn(10)

# Simple model: just a linear transformation
w = torch.randn(10, requires_grad=True)
b = torch.randn(10, requires_grad=True)
output = x * w + b

# Loss function
loss_fn = nn.MSELoss()
loss = loss_fn(output, target)

# Backpropagate
loss.backward()

# Gradients
print(x.grad)  # Gradient of loss w.r.t. x
print(w.grad)  # Gradient of loss w.r.t. w
print(b.grad)  # Gradient of loss w.r.t. b
