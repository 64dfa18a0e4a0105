# source: https://github.com/Jerry4232/FlowMatching (notebook, "torch backward gradient" cells 5-7) — changes: none
import torch

x = torch.tensor([2.0], requires_grad=True)
y = x ** 2 + 3 * x 
print(type(y))       # <class 'torch.Tensor'>
print(y.grad_fn)     # Shows the function used to compute y

y.backward()         # compute dy/dx
print(x.grad)        # Should be 2x + 3 = 7.0
x1 = torch.tensor([1.0], requires_grad=True)
x2 = torch.tensor([2.0], requires_grad=True)

y = x1**2 + 3 * x2  # y depends on both x1 and x2
y.backward()

print(x1.grad)  # dy/dx1 = 2 * x1 = 2.0
print(x2.grad)  # dy/dx2 = 3
