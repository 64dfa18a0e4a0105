# source: https://apxml.com/courses/getting-started-with-pytorch/chapter-3-automatic-differentiation-autograd/performing-backpropagation-backward — changes: the first example as posted (its last print line, cut off in the copy read, completed like the two before it)
import torch
# Example setup (imagine these are results from a model)
x = torch.tensor(2.0, requires_grad=True)
w = torch.tensor(3.0, requires_grad=True)
b = torch.tensor(1.0, requires_grad=True)
# Perform some operations (building the graph)
y = w * x + b # y = 3*2 + 1 = 7
loss = y * y # loss = 7*7 = 49 (a scalar)
# Before backward pass, gradients are None
print(f"Gradient for x before backward: {x.grad}")
print(f"Gradient for w before backward: {w.grad}")
print(f"Gradient for b before backward: {b.grad}")
# Compute gradients
loss.backward()
# After backward pass, gradients are populated
print(f"Gradient for x after backward: {x.grad}") # d(loss)/dx = d(y^2)/dx = 2*y*(dy/dx) = 2*y*w = 2*7*3 = 42
print(f"Gradient for w after backward: {w.grad}") # d(loss)/dw = d(y^2)/dw = 2*y*(dy/dw) = 2*y*x = 2*7*2 = 28
print(f"Gradient for b after backward: {b.grad}")
