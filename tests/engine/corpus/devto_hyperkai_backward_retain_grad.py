# source: https://dev.to/hyperkai/requiresgradtrue-with-a-tensor-backward-and-retaingrad-in-pytorch-4kf7 ("1 tensor with backward()") — changes: the bare displays written as print(...)
import torch

my_tensor = torch.tensor(data=7., requires_grad=True) # Leaf tensor

print(my_tensor, my_tensor.grad, my_tensor.is_leaf)
# (tensor(7., requires_grad=True), None, True)

my_tensor.backward()

print(my_tensor, my_tensor.grad, my_tensor.is_leaf)
