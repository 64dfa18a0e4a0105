# source: https://www.shangmayuan.com/a/12c501fa878f421abb1df5bb.html — changes: import torch added (the post's code starts after it); torch.manual_seed(0) added
import torch
torch.manual_seed(0)

grads = {}

def save_grad(name):
    def hook(grad):
        grads[name] = grad
    return hook

x = torch.randn(1, requires_grad=True)
y = 3*x
z = y * y

# 为中间变量注册梯度保存接口,存储梯度时名字为 y。
y.register_hook(save_grad('y'))

# 反向传播 
z.backward()

# 查看 y 的梯度值
print(grads['y'])
