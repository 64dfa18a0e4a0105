# source: https://flisks.com/python-why-do-we-need-to-call-zero-grad-in-pytorch (the vanilla gradient descent version) — changes: `data, targets = ...` replaced by 5 random samples of 4 features and 1 target (torch.manual_seed(0)); learning_rate = 0.01 and linear_model taken from the first version; Variable imported
import torch
from torch.autograd import Variable
def linear_model(x, W, b):
    return torch.matmul(x, W) + b
torch.manual_seed(0)
data, targets = torch.randn(5, 4), torch.randn(5, 3)
learning_rate = 0.01
W = Variable(torch.randn(4, 3), requires_grad=True)
b = Variable(torch.randn(3), requires_grad=True)
for sample, target in zip(data, targets):
    # clear out the gradients of Variables
    # (i.e. W, b)
    W.grad.data.zero_()
    b.grad.data.zero_()
    output = linear_model(sample, W, b)
    loss = (output - target) ** 2
    loss.backward()
    W -= learning_rate * W.grad.data
    b -= learning_rate * b.grad.data
