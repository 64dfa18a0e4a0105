# source: https://github.com/cener-1999/AI-Learning-Journey (d2l autograd notebook, cells 35-52) — changes: the code cells in order as one script; torch.manual_seed(0) added
import torch
torch.manual_seed(0)

x = torch.arange(4.0)
x

x.requires_grad_(True)  # 标识一个tensor是否需要在计算中保留梯度信息
x.grad

y = 2 * torch.dot(x, x)
y

y.backward()
x.grad

x.grad == 4 * x

x.grad.zero_()
y = x.sum()
y.backward()
x.grad

x.grad.zero_()
y = x * x
y.backward(torch.ones(len(x)))
x.grad

x.grad.zero_()
y = x * x
u = y.detach()
z = u * x

z.sum().backward()
x.grad == u

x.grad.zero_()
y.sum().backward()
x.grad == 2 * x

def f(a):
    b = a * 2
    while b.norm() < 1000: # L2范数是向量元素平方和的平方根
        b = b * 2
    if b.sum() > 0:
        c = b
    else:
        c = 100 * b
    return c

a = torch.randn(size=(), requires_grad=True)
d = f(a)
d.backward()

a.grad == d/a

a.shape
