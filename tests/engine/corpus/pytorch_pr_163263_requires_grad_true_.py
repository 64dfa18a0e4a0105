# source: https://github.com/pytorch/pytorch/pull/163263 — changes: the last >>> line alone after the setup (requires_grad_(True) on a non-leaf does not raise), with a backward of its sum added; torch.manual_seed(0) added
import torch
torch.manual_seed(0)
a = torch.randn(3, 3, device="cpu", requires_grad=True)
b = torch.pow(a, 2)
b.requires_grad_(True)
b.sum().backward()
