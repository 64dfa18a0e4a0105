# source: https://duoke360.com/post/34567 — changes: the third example (cause 3) as posted
import torch
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = x * 2

# 错误做法
try:
    y.backward()  # RuntimeError: grad can be implicitly created only for scalar outputs
except Exception as e:
    print(e)

# 正确做法
y.backward(gradient=torch.tensor([1.0, 1.0]))
print(x.grad)  # 输出: tensor([2., 2.])
