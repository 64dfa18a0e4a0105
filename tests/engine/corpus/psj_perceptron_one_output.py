# source: https://github.com/psj6335490/pytorchLearn/blob/master/day02/04_perceptron1.py — changes: torch.manual_seed(0) added
import torch
from torch.nn import functional as F
torch.manual_seed(0)

x=torch.randn(1,2)
w=torch.randn(1,2,requires_grad=True)

mu=x@w.t()

o=torch.sigmoid(mu)
print(o.shape)
loss=F.mse_loss(torch.ones(1,1),o)

loss.backward()

print(w.grad)
print(x.grad)
