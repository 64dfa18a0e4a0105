# source: https://www.codegenes.net/blog/parameter-that-doesnot-require-gradients-pytorch — changes: the first example only
import torch
import torch.nn as nn
# Create a simple linear layer
linear_layer = nn.Linear(10, 5)
# Access the weight parameter of the linear layer
weight = linear_layer.weight
# Set requires_grad to False
weight.requires_grad = False
# Check the requires_grad attribute
print(f"Requires grad for weight: {weight.requires_grad}")
