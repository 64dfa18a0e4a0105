# source: https://airoads.org/ch06-deep-learning/ch02-pytorch/autograd — changes: Lab 1 as posted
import torch
w = torch.tensor(2.0, requires_grad=True)
loss = (w * 3 - 10) ** 2
print("loss:", loss.item())
loss.backward()
print("w.grad:", w.grad.item())
