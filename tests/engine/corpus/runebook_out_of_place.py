# source: https://runebook.dev/en/docs/pytorch/generated/torch.autograd.function.inplacefunction/torch.autograd.function.InplaceFunction.backward — changes: as posted
import torch
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = x + 1
z = torch.sum(y)
z.backward()
print(f"Original leaf tensor 'x' is {x}")
print(f"Gradient of 'x' is {x.grad}")
