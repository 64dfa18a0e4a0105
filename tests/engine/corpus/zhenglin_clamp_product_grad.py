# source: https://www.zhenglinblog.top/2026/03/22/ai_infra/torch/pytorch_clamp — changes: the doctest prompts removed
import torch
a = torch.tensor([1, 2, 3, 4], requires_grad=True, dtype=torch.float32)
a
b = torch.tensor([1, 2, 1, 2], requires_grad=True, dtype=torch.float32)
b
c = torch.clamp(a * b, 1, 5)
c
d = c.sum()
d
d.backward()
b.grad
a.grad
