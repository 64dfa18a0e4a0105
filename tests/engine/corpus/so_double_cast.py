# source: written for this corpus after the `.double()` pattern counted among real learner code in the project's survey (FACTS.md) — changes: none
import torch
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
w = torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64, requires_grad=True)
y = (x.double() * w).sum()
y.backward()
print(x.grad, w.grad)
