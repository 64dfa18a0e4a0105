# source: https://duoke360.com/post/34567 — changes: the fourth example (cause 4), case 1 (detach) as posted
import torch
x = torch.tensor([1.0], requires_grad=True)
# 情况1:detach
y = x.detach() * 2  # 中断计算图
y.backward()  # 不会影响x
print(x.grad)  # None
