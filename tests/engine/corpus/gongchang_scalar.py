# source: https://github.com/gongchang/ML_DL_Stats_Tutorials — changes: cells 2-9 joined
import torch
x = torch.ones(2, 2, requires_grad=True)
print(x)
y = x + 2
print(y)
print(y.grad_fn)
z = y * y * 3
out = z.mean()
print(z, out)
print(out)
out.backward() # # this is the same as out.backward(tensor(1.))
print(x.grad)
