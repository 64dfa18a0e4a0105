# source: https://duoke360.com/post/34567 — changes: the second example (cause 2) as posted
import torch
x = torch.tensor([1.0], requires_grad=True)
y = x * 2
z = y.mean()
z.backward()

print(y.grad)  # 输出: None (y是中间节点)
print(x.grad)  # 输出: tensor([1.])

# 保留中间梯度方法
y.retain_grad()  # 在backward前调用
z.backward()
print(y.grad)  # 输出: tensor([0.5000])
