# source: https://github.com/yunjey/pytorch-tutorial/blob/master/tutorials/01-basics/pytorch_basics/main.py — changes: section 1 (basic autograd example 1) only
import torch 
import torch.nn as nn


# ================================================================== #
#                     1. Basic autograd example 1                    #
# ================================================================== #

# Create tensors.
x = torch.tensor(1., requires_grad=True)
w = torch.tensor(2., requires_grad=True)
b = torch.tensor(3., requires_grad=True)

# Build a computational graph.
y = w * x + b    # y = 2 * x + 3

# Compute gradients.
y.backward()

# Print out the gradients.
print(x.grad)    # x.grad = 2, equivalent to dy/dx[given w,b]
print(w.grad)    # w.grad = 1, equivalent to dy/dw[given x,b]
print(b.grad)    # b.grad = 1, equivalent to dy/db[given w,x]
