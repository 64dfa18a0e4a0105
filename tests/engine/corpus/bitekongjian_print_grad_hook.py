# source: http://news.bitekongjian.com/code/1472.html — changes: indentation of the hook body restored (the page lost it)
import torch
def print_grad(grad):
    print("Gradient:", grad)
# 创建一个张量
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
# 创建一个AccumulatedGrad对象
accum_grad = torch.zeros_like(x)
# 注册一个钩子函数
hook = x.register_hook(print_grad)
# 计算梯度
y = x * 2
z = y.sum()
# 反向传播
z.backward(gradient=torch.tensor(1.0))
# 打印梯度
print("Accumulated Gradient:", x.grad)
# 移除钩子函数
hook.remove()
