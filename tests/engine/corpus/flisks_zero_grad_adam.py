# source: https://flisks.com/python-why-do-we-need-to-call-zero-grad-in-pytorch — changes: `data, targets = ...` replaced by 5 random samples of 4 features and 3 targets (torch.manual_seed(0)); print of the last loss and the grads
import torch
from torch.autograd import Variable
import torch.optim as optim
def linear_model(x, W, b):
    return torch.matmul(x, W) + b
torch.manual_seed(0)
data, targets = torch.randn(5, 4), torch.randn(5, 3)
W = Variable(torch.randn(4, 3), requires_grad=True)
b = Variable(torch.randn(3), requires_grad=True)
optimizer = optim.Adam([W, b])
for sample, target in zip(data, targets):
    # clear out the gradients of all Variables
    # in this optimizer (i.e. W, b)
    optimizer.zero_grad()
    output = linear_model(sample, W, b)
    loss = (output - target) ** 2
    loss.backward()
    optimizer.step()
print(loss, W.grad, b.grad)
