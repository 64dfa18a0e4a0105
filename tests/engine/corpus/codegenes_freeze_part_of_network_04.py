# source: https://www.codegenes.net/blog/freeze-part-of-network-pytorch-04-backprop-error (first example) — changes: torch.manual_seed(0) added; print of the grads at the end
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
net = SimpleNet()
# Freeze the first fully - connected layer
for param in net.fc1.parameters():
    param.requires_grad = False
# Define the loss function and optimizer
criterion = nn.MSELoss()
optimizer = torch.optim.SGD(filter(lambda p: p.requires_grad, net.parameters()), lr=0.01)
# Generate some dummy data
inputs = torch.randn(5, 10)
labels = torch.randn(5, 1)
# Forward pass
outputs = net(inputs)
loss = criterion(outputs, labels)
# Backward pass and optimization
optimizer.zero_grad()
loss.backward()
optimizer.step()
print(net.fc1.weight.grad, net.fc2.bias.grad)
