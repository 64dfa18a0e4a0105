# source: https://github.com/miaoyukongkong/Programming-Notes (autograd notebook, cells 1-7) — changes: torch.manual_seed(0) added; bare displays written as print(...); a backward on c added to read the grads the notes describe
import torch
torch.manual_seed(0)
a = torch.randn(2, 2, requires_grad=True)
b = torch.randn(2, 2)
print(a, b)
#默认的Tensor不需要求导，设置requires_grad为True后则需要求导
print(a.requires_grad, b.requires_grad)
#也可以通过内置函数requires_grad_()将Tensor变为需要求导
b.requires_grad_()
print(b.requires_grad)
#通过计算生成的Tensor，由于依赖的Tensor需要求导，所以计算结果也需要求导
c = a + b
print(c, c.requires_grad)
#a与b是自己创建的，grad_fn为None，而c的grad_fn是一个Add函数操作
print(a.grad_fn, b.grad_fn, c.grad_fn)
c.sum().backward()
print(a.grad, b.grad)
