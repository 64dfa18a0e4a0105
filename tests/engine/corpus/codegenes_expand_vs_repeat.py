# source: https://www.codegenes.net/blog/pytorch-expand-vs-repeat — changes: the two examples pasted one after the other
import torch
# Create a tensor
x = torch.tensor([[1, 2, 3]]) # Shape: (1, 3)
print("Original tensor shape:", x.shape)
# Expand the tensor
expanded_x = x.expand(2, 3)
print("Expanded tensor shape:", expanded_x.shape)
print("Expanded tensor:", expanded_x)
import torch
# Create a tensor
y = torch.tensor([[1, 2, 3]]) # Shape: (1, 3)
print("Original tensor shape:", y.shape)
# Repeat the tensor
repeated_y = y.repeat(2, 1)
print("Repeated tensor shape:", repeated_y.shape)
print("Repeated tensor:", repeated_y)
