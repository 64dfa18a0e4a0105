# source: https://github.com/asad14053/Machine-Learning-and-Deep-Learning (Autograd notebook) — changes: the code cells in order as one script
import torch

x = torch.tensor([[1., 1.], [2., 2.]], requires_grad=True)
print(x)

y = x*x
print(y)

z = y.sum()

print(z)

z.backward()
print(x.grad)

a = torch.tensor([1., 2.], requires_grad=True)
b = torch.tensor([3., 4.], requires_grad=True)

Q = 2*a**3 - b**2
print(Q)

e_grad = torch.tensor([1., 1.])
Q.backward(gradient=e_grad)

print(a.grad, b.grad)
