# source: https://github.com/pytorch/pytorch/issues/24027 — changes: the CUDA half of the report removed (no GPU here); the CPU half as written
import torch

x = torch.tensor([1], dtype=torch.float32, requires_grad=True, device='cpu')
y = x * 2
y.backward()
