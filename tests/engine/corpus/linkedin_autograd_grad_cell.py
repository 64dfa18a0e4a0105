# source: https://github.com/LinkedInLearning/hands-on-ai-pytorch-machine-learning-4007017 (autograd notebook, cell 1) — changes: as posted
# autograd.grad() - Gradient without .backward() 

import torch
x = torch.tensor([2.0], requires_grad=True)
y = x ** 3

grad = torch.autograd.grad(y, x)  # Returns (3x²,) → (12.0,)
print("dy/dx =", grad[0])         # tensor([12.])
