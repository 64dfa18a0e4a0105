# source: https://github.com/hhsecond/HandsOnDeepLearningWithPytorch/blob/master/2.ASimpleNeuralNetwork/autograd_example.py — changes: torch.manual_seed(0) added before torch.rand
import torch
torch.manual_seed(0)
inputs = torch.FloatTensor([2])
weight = torch.rand(1, requires_grad=True)
bias = torch.ones(1, requires_grad=True)
t = inputs * weight
out = t + bias
out.backward()

weight.grad
bias.grad
