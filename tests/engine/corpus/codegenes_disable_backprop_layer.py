# source: https://www.codegenes.net/blog/pytorch-disable-backprop-layer — changes: torch.manual_seed(0) added; indentation restored (the page lost it)
import torch
import torch.nn as nn
torch.manual_seed(0)
# Define a simple neural network
class SimpleNet(nn.Module):
    def __init__(self):
        super(SimpleNet, self).__init__()
        self.fc1 = nn.Linear(10, 20)
        self.fc2 = nn.Linear(20, 1)
    def forward(self, x):
        x = torch.relu(self.fc1(x))
        x = self.fc2(x)
        return x
# Create an instance of the network
model = SimpleNet()
# Disable backpropagation on the first fully - connected layer
for param in model.fc1.parameters():
    param.requires_grad = False
# Generate some random input
input_tensor = torch.randn(1, 10)
# Define a loss function and an optimizer
criterion = nn.MSELoss()
optimizer = torch.optim.SGD(filter(lambda p: p.requires_grad, model.parameters()), lr = 0.001)
# Forward pass
output = model(input_tensor)
target = torch.randn(1, 1)
loss = criterion(output, target)
# Backward pass
optimizer.zero_grad()
loss.backward()
# Check if gradients are computed for fc1
for name, param in model.named_parameters():
    if 'fc1' in name:
        print(f"Gradients for {name}: {param.grad}")
    else:
        print(f"Gradients for {name}: {param.grad}")
