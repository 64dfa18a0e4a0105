# source: https://discuss.pytorch.org/t/loss-grad-is-constant-1/130964 — changes: the posted mini-tutorial's Case 1 and Case 2 (Case 2 ends with loss.backward() and print(y.grad) as Case 1 does); torch.manual_seed(0) added
import torch
from torch import nn
torch.manual_seed(0)
model = nn.Linear(1, 1)
print("#"*7)
print("Case 1")
print("#"*7)
# Case 1: No tensor has the grad attribute, none of the learnt gradients
# is saved
# This is a leaf, but has no grad attribute
x = torch.randn(1, 1)
print(x)
print(x.is_leaf) # True
print(x.grad) # None
# Forward pass, compute loss
out = model(x)
loss = out**2
print(loss.grad) # None
print(x.grad) # None
loss.backward()
print(loss.grad) # None
print(x.grad) # None
print("")
print("*"*7)
print("Case 2")
print("*"*7)
# Case 2: The one leaf tensor has the grad attribute, so its
# learnt gradient is saved
# This is a leaf, and has a grad attribute because we told so.
# This grad attribute is initialized to None.
y = torch.randn(1, 1, requires_grad=True)
print(y)
print(y.is_leaf) # True
print(y.grad) # None
# Forward pass, compute loss
out = model(y)
loss = out**2
print(loss.grad) # None
print(y.grad) # None
loss.backward()
print(loss.grad) # None
print(y.grad)
