# source: https://github.com/ethanabrooks/CoFCA-S/blob/master/grads.py — changes: the last two lines (import ipdb; ipdb.set_trace()) removed
import torch
x = torch.tensor(2., requires_grad=True)
y = torch.tensor(3., requires_grad=True)
z = x + y
w = 4 * y

z.backward()
print('x.grad', x.grad)
print('y.grad', y.grad)
# y.grad = None
print('y.grad', y.grad)
w.backward()
print('y.grad', y.grad)
w.backward()
