# source: https://github.com/edisonchan1/nndlml (notebook "1.tensor基本操作", cells 61 and 63) — changes: `import torch` and torch.manual_seed(0) added; the second cell's tensors renamed (x1b, x2b, x3b, yb)
import torch
torch.manual_seed(0)
x1 = torch.tensor(1,requires_grad=True,dtype=torch.float)
x2 = torch.tensor(2,requires_grad=True,dtype=torch.float)
x3 = torch.tensor(3,requires_grad=True,dtype=torch.float)
y = torch.randn(3)
y[0]=x1**2+2*x2+x3 # define each vector function
y[1]=x1+x2**3+x3**2
y[2]=2*x1+x2**2+x3**3
y.backward(torch.ones(3))
print(x1.grad)
print(x2.grad)
print(x3.grad)
x1b = torch.tensor(1,requires_grad=True,dtype=torch.float)
x2b = torch.tensor(2,requires_grad=True,dtype=torch.float)
x3b = torch.tensor(3,requires_grad=True,dtype=torch.float)
yb = torch.randn(3)
yb[0] = x1b**2+2*x2b+x3b
yb[1] = x1b+x2b**3+x3b**2
yb[2] = 2*x1b+x2b**2+x3b**3
v = torch.tensor([3,2,1],dtype=torch.float)
yb.backward(v)
print(x1b.grad)
print(x2b.grad)
print(x3b.grad) #依旧吻合
