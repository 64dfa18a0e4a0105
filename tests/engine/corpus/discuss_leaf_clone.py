# source: https://discuss.pytorch.org/t/leaf-variable-was-used-in-an-inplace-operation/308/2 — changes: the clone fix, with a backward added
import torch
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
x2 = x.clone() # clone the variable
x2 += 1 # in-place operation
x2.sum().backward()
