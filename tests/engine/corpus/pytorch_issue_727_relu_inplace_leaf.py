# source: https://github.com/pytorch/pytorch/issues/727 — changes: numpy's random input replaced by torch.randn with torch.manual_seed(0) (numpy is another library)
import torch
import torch.nn as nn
from torch.autograd import Variable
import torch.nn.functional as F

torch.manual_seed(0)
x = Variable(torch.randn(4, 6, 10,10).float(), requires_grad=True)
x = F.relu(x, inplace=True)
x = F.dropout(x,p=0.1, inplace=True)
result = torch.sum(x)
result.backward()
