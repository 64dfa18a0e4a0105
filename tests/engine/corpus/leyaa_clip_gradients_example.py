# source: https://leyaa.ai/codefly/learn/pytorch/qna/how-to-clip-gradients-pytorch — changes: the one-line code block split into its statements; torch.manual_seed(0) added
import torch
import torch.nn as nn
import torch.optim as optim
torch.manual_seed(0)
# Simple linear model
model = nn.Linear(2, 1)
optimizer = optim.SGD(model.parameters(), lr=0.1)
# Dummy input and target
inputs = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
targets = torch.tensor([[1.0], [2.0]])
criterion = nn.MSELoss()
# Forward pass
outputs = model(inputs)
loss = criterion(outputs, targets)
# Backward pass
loss.backward()
# Clip gradients by norm
torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
# Check gradient norms
total_norm = 0
for p in model.parameters():
    param_norm = p.grad.data.norm(2)
    total_norm += param_norm.item() ** 2
total_norm = total_norm ** 0.5
print(f"Total gradient norm after clipping: {total_norm:.4f}")
# Optimizer step
optimizer.step()
