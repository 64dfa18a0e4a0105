# source: https://github.com/xiemeigongzi88/PyTorch_learning (lesson 18 notebook, "loss 及其梯度" cells 11-15) — changes: none (the notebook stops at its first error, as python does)
import torch
import torch.nn.functional as F
x = torch.ones(1)
w = torch.full([1],2)
w, x
mse = F.mse_loss(torch.ones(1),x*w)
mse
torch.autograd.grad(mse, [w])
