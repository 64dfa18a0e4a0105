# source: https://github.com/pytorch/pytorch/pull/185831 — changes: `import torch` added
import torch
x = torch.tensor(0.0, requires_grad=True)
torch.clamp_min(x, 0.0).backward()
print(x.grad)  # 1.0 (should be 0.0)
