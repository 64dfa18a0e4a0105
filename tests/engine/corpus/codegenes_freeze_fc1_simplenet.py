# source: https://www.codegenes.net/blog/pytorch-freeze — changes: torch.manual_seed(0) added; indentation restored (the page lost it); a forward of torch.randn(3, 10) and a backward of its sum added; w1 = model.fc1.weight and w2 = model.fc2.weight added so their grads are compared
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
model = SimpleNet()
# Freeze the first fully - connected layer
for param in model.fc1.parameters():
    param.requires_grad = False
# Check the requires_grad status of parameters
for name, param in model.named_parameters():
    print(name, param.requires_grad)
model(torch.randn(3, 10)).sum().backward()
w1 = model.fc1.weight
w2 = model.fc2.weight
print(w1.grad, w2.grad)
