# source: https://github.com/dsgiitr/d2l-pytorch/blob/master/Ch06_Multilayer_Perceptrons/Numerical_Stability_and_Initialization.ipynb — changes: the matplotlib import, %matplotlib line and the plotting block removed, print(x.grad.max()) in place of the plot
import torch

x = torch.arange(-8.0,8.0,0.1)
x.requires_grad_(True)
y = torch.sigmoid(x)
y.backward(torch.ones_like(x))
print(x.grad.max())
