# source: https://github.com/dsgiitr/d2l-pytorch/blob/master/Ch06_Multilayer_Perceptrons/Multilayer_Perceptron.ipynb — changes: notebook cells 5-17 joined; the matplotlib helper xyplot and its calls removed
import torch
import torch.nn as nn
from torch.autograd import Variable
x=Variable(torch.arange(-8.0,8.0,0.1,dtype=torch.float32).reshape(int(16/0.1),1),requires_grad=True)
y=torch.nn.functional.relu(x)
y.backward(torch.ones_like(x),retain_graph=True)
x=Variable(torch.arange(-8.0,8.0,0.1,dtype=torch.float32).reshape(int(16/0.1),1),requires_grad=True)
y=torch.sigmoid(x)
y.backward(torch.ones_like(x),retain_graph=True)
x=Variable(torch.arange(-8.0,8.0,0.1,dtype=torch.float32).reshape(int(16/0.1),1),requires_grad=True)
y=torch.tanh(x)
y.backward(torch.ones_like(x),retain_graph=True)
