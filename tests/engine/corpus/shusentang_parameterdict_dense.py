# source: https://github.com/ShusenTang/Dive-into-DL-PyTorch/blob/master/code/chapter04_DL_computation/4.4_custom-layer.ipynb (cells 8, 9) — changes: torch.manual_seed(0) added; a backward of the three outputs' sum added; w1 = net.params['linear1'] and w3 added so their grads are compared
import torch
from torch import nn
torch.manual_seed(0)
class MyDictDense(nn.Module):
    def __init__(self):
        super(MyDictDense, self).__init__()
        self.params = nn.ParameterDict({
                'linear1': nn.Parameter(torch.randn(4, 4)),
                'linear2': nn.Parameter(torch.randn(4, 1))
        })
        self.params.update({'linear3': nn.Parameter(torch.randn(4, 2))}) # 新增

    def forward(self, x, choice='linear1'):
        return torch.mm(x, self.params[choice])

net = MyDictDense()
print(net)
x = torch.ones(1, 4)
print(net(x, 'linear1'))
print(net(x, 'linear2'))
print(net(x, 'linear3'))
(net(x, 'linear1').sum() + net(x, 'linear3').sum()).backward()
w1 = net.params['linear1']
w3 = net.params['linear3']
