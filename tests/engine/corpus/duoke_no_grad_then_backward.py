# source: https://duoke360.com/post/34567 — changes: the fourth example (cause 4), case 2 (no_grad) as posted
import torch
x = torch.tensor([1.0], requires_grad=True)
# 情况2:no_grad上下文
with torch.no_grad():
    y = x * 2
y.backward()  # RuntimeError
