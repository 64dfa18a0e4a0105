# source: https://github.com/ShusenTang/Dive-into-DL-PyTorch/blob/master/code/chapter04_DL_computation/4.4_custom-layer.ipynb (cells 2-5) — changes: torch.manual_seed(0) added; y.mean() kept as a tensor and backward called on it; w = net[0].weight added so its grad is compared
import torch
from torch import nn
torch.manual_seed(0)
class CenteredLayer(nn.Module):
    def __init__(self, **kwargs):
        super(CenteredLayer, self).__init__(**kwargs)
    def forward(self, x):
        return x - x.mean()
layer = CenteredLayer()
print(layer(torch.tensor([1, 2, 3, 4, 5], dtype=torch.float)))
net = nn.Sequential(nn.Linear(8, 128), CenteredLayer())
y = net(torch.rand(4, 8))
print(y.mean().item())
(y ** 2).mean().backward()
w = net[0].weight
