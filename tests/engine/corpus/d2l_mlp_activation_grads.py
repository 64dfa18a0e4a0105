# source: https://github.com/d2l-ai/d2l-en/blob/master/chapter_multilayer-perceptrons/mlp.md — changes: the PyTorch cells of the ReLU, sigmoid and tanh sections in order; the d2l.plot calls removed
import torch
x = torch.arange(-8.0, 8.0, 0.1, requires_grad=True)
y = torch.relu(x)
y.backward(torch.ones_like(x), retain_graph=True)
y = torch.sigmoid(x)
# Clear out previous gradients
x.grad.data.zero_()
y.backward(torch.ones_like(x),retain_graph=True)
y = torch.tanh(x)
# Clear out previous gradients
x.grad.data.zero_()
y.backward(torch.ones_like(x),retain_graph=True)
