# source: https://github.com/pytorch/tutorials/blob/main/beginner_source/nn_tutorial.py ("Using torch.nn.functional" and "Refactor using nn.Module") — changes: MNIST replaced by 256 random 784-pixel rows and random labels (torch.manual_seed(0)); the earlier sections' definitions it uses (bs, lr, epochs, accuracy, xb, yb) repeated at the top
import torch
import math
torch.manual_seed(0)
x_train = torch.rand(256, 784)
y_train = torch.randint(0, 10, (256,))
n, c = x_train.shape
bs = 64
lr = 0.5
epochs = 2
xb = x_train[0:bs]
yb = y_train[0:bs]

def accuracy(out, yb):
    preds = torch.argmax(out, dim=1)
    return (preds == yb).float().mean()

weights = torch.randn(784, 10) / math.sqrt(784)
weights.requires_grad_()
bias = torch.zeros(10, requires_grad=True)

import torch.nn.functional as F

loss_func = F.cross_entropy

def model(xb):
    return xb @ weights + bias

print(loss_func(model(xb), yb), accuracy(model(xb), yb))

from torch import nn

class Mnist_Logistic(nn.Module):
    def __init__(self):
        super().__init__()
        self.weights = nn.Parameter(torch.randn(784, 10) / math.sqrt(784))
        self.bias = nn.Parameter(torch.zeros(10))

    def forward(self, xb):
        return xb @ self.weights + self.bias

model = Mnist_Logistic()

print(loss_func(model(xb), yb))

def fit():
    for epoch in range(epochs):
        for i in range((n - 1) // bs + 1):
            start_i = i * bs
            end_i = start_i + bs
            xb = x_train[start_i:end_i]
            yb = y_train[start_i:end_i]
            pred = model(xb)
            loss = loss_func(pred, yb)

            loss.backward()
            with torch.no_grad():
                for p in model.parameters():
                    p -= p.grad * lr
                model.zero_grad()

fit()

print(loss_func(model(xb), yb))
