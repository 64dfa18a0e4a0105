# source: https://github.com/khanh21062002/drawturtle/blob/main/pytorch_tutorial/Gradient-Calculation-With-Autograd/03-autograd.py — changes: torch.manual_seed(0) added
import torch
torch.manual_seed(0)

x = torch.randn(3, requires_grad= True)
print(x)

y = x + 2 
print(y)
z = y*y*2
#z = z.mean()
print(z)

v = torch.tensor([0.1, 1.9, 0.001], dtype= torch.float32)
z.backward(v)#dz/dx
print(x.grad) 
