# source: https://github.com/dsplog/dsplog.com/blob/main/code/linear_regression/gradients_absolute_function.ipynb — changes: none (the notebook's one code cell)
import numpy as np
import torch

# 1. Calculate Gradient using PyTorch (Automatic Differentiation)
def f_pytorch(x):
    return torch.abs(x)

# Create a tensor for x with requires_grad=True (for autograd)
x = torch.linspace(-3, 3, 101, dtype=torch.float32, requires_grad=True)

# Calculate f(x) = |x| using PyTorch
y = f_pytorch(x)

# Compute gradients using backpropagation (automatic differentiation)
y.backward(torch.ones_like(x))  # Compute gradient for all values of x

# Get the gradients from PyTorch
grad_pytorch = x.grad


# Convert x to numpy for finite difference calculation
x_np = x.detach().numpy()

# Convert PyTorch tensor to numpy array
y_np = y.detach().numpy()  

# Compute gradient using analytic method 
grad_fd = np.sign(x_np)

# Plot the results for both methods and x
import matplotlib.pyplot as plt

plt.figure(figsize=(10, 6))

# Plot x and y = |x| for reference
plt.plot(x_np, y_np, label='f(x)=|x|', linestyle='-', alpha=0.7)

# Plot the gradients calculated using PyTorch
plt.plot(x_np, grad_pytorch.detach().numpy(), label='Gradient (PyTorch)', linestyle='--')

# Plot the gradients calculated using finite difference
plt.plot(x_np, grad_fd, label='Gradient (Analytic)', linestyle='-.')

# Add labels, title, legend, and grid
plt.xlabel('x')
plt.ylabel('Value')
plt.title('Gradient of Absolute Value of Function |x|')
plt.legend()
plt.grid(True)

# Show the plot
plt.show()
