# source: https://github.com/LinkedInLearning/hands-on-ai-pytorch-machine-learning-4007017 (autograd notebook, cell 5) — changes: import torch added (the notebook imported it in cell 1)
import torch
# Hooks - inspect or modify gradients
# Print gradient as it flows

x = torch.tensor([2.0], requires_grad=True)

def print_grad(grad):
    print("Gradient flowing through:", grad)

x.register_hook(print_grad)

y = x**2 + 3*x
y.backward()
