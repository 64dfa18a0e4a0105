# source: https://github.com/pytorch/pytorch/pull/163263 — changes: the >>> lines as a script (the first statement that raises ends it); torch.manual_seed(0) added
import torch
torch.manual_seed(0)
a = torch.randn(3, 3, device="cpu", requires_grad=True)
b = torch.pow(a, 2)

b.requires_grad=False
b.requires_grad=True
b.requires_grad_(False)
b.requires_grad_(True)
