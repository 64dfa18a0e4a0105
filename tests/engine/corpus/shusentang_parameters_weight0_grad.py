# source: https://github.com/ShusenTang/Dive-into-DL-PyTorch/blob/master/code/chapter04_DL_computation/4.2_parameters.ipynb (cells 2, 4, 7) — changes: torch.manual_seed(0) added; w2 = net[2].weight added so a second parameter's grad is compared
import torch
from torch import nn
from torch.nn import init
torch.manual_seed(0)
net = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 1))  # pytorch已进行默认初始化

print(net)
X = torch.rand(2, 4)
Y = net(X).sum()
print(type(net.named_parameters()))
for name, param in net.named_parameters():
    print(name, param.size())
weight_0 = list(net[0].parameters())[0]
print(weight_0.data)
print(weight_0.grad)
Y.backward()
print(weight_0.grad)
w2 = net[2].weight
