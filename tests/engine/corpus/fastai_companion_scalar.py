# source: https://github.com/antoinechoffrut/fastai-companion — changes: first cell
import torch
x = torch.tensor(1., requires_grad=True)
y = x**2
y.backward()
print(f"Derivative at a single point:")
print(x.grad.data)
