# source: https://github.com/d2l-ai/d2l-en/blob/master/chapter_multilayer-perceptrons/dropout.md — changes: the dropout_layer cell and its test cell (PyTorch branch only); torch.manual_seed(0) added; X made a leaf and a backward of dropout_layer(X, 0.5).sum() added
import torch
from torch import nn
torch.manual_seed(0)

def dropout_layer(X, dropout):
    assert 0 <= dropout <= 1
    if dropout == 1: return torch.zeros_like(X)
    mask = (torch.rand(X.shape) > dropout).float()
    return mask * X / (1.0 - dropout)

X = torch.arange(16, dtype = torch.float32).reshape((2, 8))
print('dropout_p = 0:', dropout_layer(X, 0))
print('dropout_p = 0.5:', dropout_layer(X, 0.5))
print('dropout_p = 1:', dropout_layer(X, 1))

X.requires_grad_(True)
dropout_layer(X, 0.5).sum().backward()
print(X.grad)
