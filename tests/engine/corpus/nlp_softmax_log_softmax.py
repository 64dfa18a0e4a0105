# source: https://github.com/pytorch/tutorials/blob/main/beginner_source/nlp/deep_learning_tutorial.py — changes: the "Softmax and Probabilities" cell with the file's imports; data made a leaf (requires_grad=True) and a backward of F.log_softmax(data, dim=0)[0] added
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim

torch.manual_seed(1)

# Softmax is also in torch.nn.functional
data = torch.randn(5, requires_grad=True)
print(data)
print(F.softmax(data, dim=0))
print(F.softmax(data, dim=0).sum())  # Sums to 1 because it is a distribution!
print(F.log_softmax(data, dim=0))  # theres also log_softmax

F.log_softmax(data, dim=0)[0].backward()
print(data.grad)
