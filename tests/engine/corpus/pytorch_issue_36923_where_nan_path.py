# source: https://github.com/pytorch/pytorch/issues/36923 — changes: `import torch` added
import torch
t = 0
x = torch.ones(()).requires_grad_()
y = t * (x / t)  # just an example; anything that produces nan's works
z = torch.where(x >= t, x, y)
z.backward()

print(z)
print(x.grad)
