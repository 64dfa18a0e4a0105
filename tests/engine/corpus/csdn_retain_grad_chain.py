# source: https://blog.csdn.net/m0_46653437/article/details/112921448 — changes: the interpreter session written as a script (>>> removed, bare displays as print); the session's backward and grad reads after it continued as the post describes
import torch
torch.manual_seed(seed=20200910)
data_in = torch.randn(3,5,requires_grad=True)
print(data_in)
data_mean = data_in.mean()
print(data_mean)
print(data_in.requires_grad)
print(data_mean.requires_grad)
data_1 = data_mean * 20200910.0
print(data_1)
data_2 = data_1 * 15.0
print(data_2)
data_2.retain_grad()
data_3 = 2 * (data_2 + 55.0)
loss = data_3 / 2.0 +89.2
print(loss)
print(data_in.grad)
print(data_mean.grad)
print(data_1.grad)
loss.backward()
print(data_in.grad)
print(data_mean.grad)
print(data_1.grad)
print(data_2.grad)
