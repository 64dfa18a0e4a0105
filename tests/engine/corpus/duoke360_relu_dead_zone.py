# source: https://duoke360.com/post/34845 ("ReLU网络的典型死亡区案例") — changes: import torch added
import torch
# ReLU网络的典型死亡区案例
x = torch.tensor([-1.0], requires_grad=True)
y = torch.relu(x)
y.backward()
print(x.grad) # 输出0,因为x<0时ReLU梯度为0
