# source: https://huggingface.co/datasets/nvidia/Nemotron-CC-Math-v1 (a copy of the PyTorch forum thread "How to use torch.autograd.backward when variables are non-scalar", matliu, 2017-06-21) — changes: the thread's code blocks joined
import torch
from torch.autograd import Variable
import numpy as np

# Example 1: Computing the derivative of y for each element in x
x = Variable(torch.arange(1, 4), requires_grad=True)
y = x ** 2
# torch.autograd.backward(x, y)  # Incorrect
y.backward()
print(x.grad)
