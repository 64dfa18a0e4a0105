# source: https://github.com/fxnnxc/torch_autograd (notebook "Torch High-order Derivates with create_graph", "Neural Network" cells 56-57) — changes: torch.manual_seed(0) added; the truncated last line `inpu...` read as print(input.grad)
import torch
import torch.nn as nn 
torch.manual_seed(0)

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.mlp = nn.Linear(2,5)
        self.out = nn.Linear(5, 1)
    def forward(self, x):
        x = self.mlp(x**2)
        x = nn.functional.relu(x)
        x = self.out(x)
        return x 
    
net = Net()
input= torch.tensor([1.0]*2, requires_grad=True)
f = net(input)
f.backward()
print(input.grad)
