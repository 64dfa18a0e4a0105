# source: https://duoke360.com/post/34567 — changes: the first example (cause 1) as posted, the wrong and the right half in order as one script
import torch
# 错误示例
x = torch.tensor([1.0]) # 默认requires_grad=False
y = x * 2
y.backward()
print(x.grad) # 输出: None
# 正确做法
x = torch.tensor([1.0], requires_grad=True)
y = x * 2
y.backward()
print(x.grad) # 输出: tensor([2.])
