# source: https://github.com/pytorch/pytorch/issues/194699 — changes: the torch.func.grad line left out (a function transform, not a backward); the backward() part as written
import torch

x = torch.tensor([[1e13, 0., 0.],
                  [1e13, 1e13, 0.],
                  [1e13, 1e13, 1e13]], dtype=torch.float32)

print(torch.prod(x))                           


xe = x.clone().requires_grad_()
torch.prod(xe).backward()
print(xe.grad)                                  
