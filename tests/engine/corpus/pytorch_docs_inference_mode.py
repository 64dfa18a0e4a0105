# source: https://pytorch.org/docs/stable/generated/torch.autograd.inference_mode.html — changes: the doctest prompts removed; the y._version line (its traceback is the point of that line) left out
import torch
x = torch.ones(1, 2, 3, requires_grad=True)
with torch.inference_mode():
  y = x * x
y.requires_grad
@torch.inference_mode()
def func(x):
  return x * x
out = func(x)
out.requires_grad
