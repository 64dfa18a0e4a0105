# source: https://github.com/Atcold/pytorch-Deep-Learning/blob/master/03-autograd_tutorial.ipynb — changes: notebook cells 1-18 joined; the torchviz cells (13, 14: make_dot) left out
import torch
# Create a 2x2 tensor with gradient-accumulation capabilities
x = torch.tensor([[1, 2], [3, 4]], requires_grad=True, dtype=torch.float32)
print(x)
# Deduct 2 from all elements
y = x - 2
print(y)
print(y.grad_fn)
# What's happening here?
print(x.grad_fn)
# Let's dig further...
y.grad_fn
y.grad_fn.next_functions[0][0]
y.grad_fn.next_functions[0][0].variable
# Do more operations on y
z = y * y * 3
a = z.mean()  # average

print(z)
print(a)
# Backprop
a.backward()
# Compute it by hand BEFORE executing this
print(x.grad)
