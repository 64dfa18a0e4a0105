# source: https://github.com/edisonchan1/nndlml (notebook "4.多层感知机", cells 3-12) — changes: the plots (xyplot, matplotlib) replaced by print(x.grad); `import torch` added
import torch
x=torch.arange(-8.0,8.0,0.1,requires_grad=True)
y = x.relu()
y.sum().backward()
print(x.grad)
y = x.sigmoid()
x.grad.zero_()
y.sum().backward()
print(x.grad)
y = x.tanh()
x.grad.zero_()
y.sum().backward()
print(x.grad)
