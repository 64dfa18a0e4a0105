# source: http://pullrequest.ru/9554451/pytorch-kak-sdelat-opredelennyi-modul-parameters-staticheskim-vremya-obucheniya — changes: the answer's `s` built as nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 1)) (the question's three layers), torch.manual_seed(0) added; a forward of torch.randn(2, 3) and a backward added; w0 = params[0] and w2 = params[2] added so their grads are compared
import torch
import torch.nn as nn
torch.manual_seed(0)
s = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 1))
params = list(s.parameters()) # .parameters() returns a generator
# Each linear layer has 2 parameters (.weight and .bias),
# Skipping first layer's parameters (indices 0, 1):
params[2].requires_grad = False
params[3].requires_grad = False
out = s(torch.randn(2, 3)).sum()
out.backward()
w0 = params[0]
w2 = params[2]
print(w0.grad, w2.grad)
