# source: https://github.com/d2l-ai/d2l-en/blob/master/chapter_multilayer-perceptrons/mlp-implementation.md — changes: MLPScratch's parameters and forward written as plain variables (no class, no d2l.Trainer); sizes 784/256/10 made 4/5/3 and a batch of 2 random inputs; torch.manual_seed(0) and a backward of the cross-entropy loss added
import torch
from torch import nn
torch.manual_seed(0)

num_inputs, num_outputs, num_hiddens, sigma = 4, 3, 5, 0.01
W1 = nn.Parameter(torch.randn(num_inputs, num_hiddens) * sigma)
b1 = nn.Parameter(torch.zeros(num_hiddens))
W2 = nn.Parameter(torch.randn(num_hiddens, num_outputs) * sigma)
b2 = nn.Parameter(torch.zeros(num_outputs))

def relu(X):
    a = torch.zeros_like(X)
    return torch.max(X, a)

X = torch.randn(2, num_inputs)
y = torch.tensor([0, 2])
X = torch.reshape(X, (-1, num_inputs))
H = relu(torch.matmul(X, W1) + b1)
y_hat = torch.matmul(H, W2) + b2
loss = nn.functional.cross_entropy(y_hat, y)
loss.backward()
print(W1.grad, b2.grad)
