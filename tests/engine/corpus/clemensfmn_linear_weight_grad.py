# source: https://github.com/ClemensFMN/PythonStuff (nn.Linear gradient notebook, cells 1-27) — changes: torch.manual_seed(0) added; the numpy cross-check line (np.sum(x.detach().numpy()*...)) removed
import torch
from torch import nn
import numpy as np
torch.manual_seed(0)
net = nn.Linear(2,1)
net.weight, net.bias
x = torch.tensor([1.0, 2.0])
y = net(x)
y
y.backward()
net.weight.grad
