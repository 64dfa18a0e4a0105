# source: https://github.com/ShusenTang/Dive-into-DL-PyTorch/blob/master/code/chapter04_DL_computation/4.4_custom-layer.ipynb (cell 7) — changes: torch.manual_seed(0) added; a forward of torch.ones(1, 4) and its backward added; p3 = net.params[3] added so a parameter's grad is compared
import torch
from torch import nn
torch.manual_seed(0)
class MyListDense(nn.Module):
    def __init__(self):
        super(MyListDense, self).__init__()
        self.params = nn.ParameterList([nn.Parameter(torch.randn(4, 4)) for i in range(3)])
        self.params.append(nn.Parameter(torch.randn(4, 1)))

    def forward(self, x):
        for i in range(len(self.params)):
            x = torch.mm(x, self.params[i])
        return x
net = MyListDense()
print(net)
x = torch.ones(1, 4)
net(x).sum().backward()
p3 = net.params[3]
