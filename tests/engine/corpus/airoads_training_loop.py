# source: https://airoads.org/ch06-deep-learning/ch02-pytorch/autograd — changes: Lab 2 as posted (a manual update loop)
import torch
w = torch.tensor(2.0, requires_grad=True)
lr = 0.1
print("single_parameter_training")
for step in range(1, 6):
    loss = (w * 3 - 10) ** 2
    loss.backward()
    with torch.no_grad():
        w -= lr * w.grad
    print(
        f"step={step} "
        f"w={w.item():.4f} "
        f"loss={loss.item():.4f} "
        f"grad={w.grad.item():.4f}"
    )
    w.grad.zero_()
