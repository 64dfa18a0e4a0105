# source: https://github.com/CShowww/Pytorch_CShowww/blob/master/LESSON33/Multi_Mach.py — changes: torch.manual_seed(0) added
import torch
from torch.nn import functional as F
torch.manual_seed(0)
x = torch.randn(1,10)
w = torch.randn(2,10,requires_grad=True)

o = torch.sigmoid(x@w.t())
loss = F.mse_loss(torch.ones(1,2),o)
loss.backward()
print(w.grad)
