# source: https://github.com/AbdimatinAbdullahi/PyTorch (Automatic Differentiation notebook, cells 1 and 3) — changes: the two cells in order as one script
import torch

# Create a tensor with requires_grad=True
x = torch.tensor(2.0, requires_grad=True)

# Define a function using x
y = x**2 + 3*x + 1

# Compute the gradients
y.backward()  # Backpropagate

# The gradient of y with respect to x is dy/dx = 2x + 3
print(f"x: {x.item()}")   # The value of x
print(f"y: {y.item()}")   # The value of y
print(f"dx: {x.grad.item()}")  # Gradient of y with respect to x

x = torch.tensor(2.0, requires_grad=True)

y = 2*x**3 + 5*x**2 + 4*x


y.backward()

print(x.grad) # Outputs the value of: 6x**2 + 10*x + 4
