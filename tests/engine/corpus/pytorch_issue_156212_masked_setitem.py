# source: https://github.com/pytorch/pytorch/issues/156212 — changes: the "expected behaviour" snippet; `import torch` added
import torch
x_th=torch.tensor(10)

x = torch.tensor([1.0, float('nan'), 1e10], requires_grad=True)

b = torch.tensor(1)

x_out=torch.ones_like(x)
x_out[x<=x_th]=torch.exp(x[x<=x_th])
x_out[~(x<x_th)]=b

print(x_out)

l = x_out.sum()
l.backward()

print(x.grad)
