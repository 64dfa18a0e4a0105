# source: https://github.com/LightTimeSound/Tweneigh/blob/main/PyTorch-Autograd.ipynb — changes: the notebook's code cells in order with retain_graph=True moved to the first z.backward() so the accumulation cell runs
import torch

x = torch.tensor([2.0], requires_grad=True)
y = torch.tensor([3.0], requires_grad=True)
print(f'x requires_grad: {x.requires_grad}')
print(f'y requires_grad: {y.requires_grad}')
z = (x ** 2) * y
z.backward(retain_graph=True)
print(f'dz/dx: {x.grad}')
print(f'dz/dy: {y.grad}')
z.backward()
print(f'Accumulated dz/dx: {x.grad}')
print(f'Accumulated dz/dy: {y.grad}')
x.grad.zero_()
y.grad.zero_()
detached_x = x.detach()
print(f'detached_x requires_grad: {detached_x.requires_grad}')
with torch.no_grad():
    y = x * 2
print(f'y requires_grad: {y.requires_grad}')
# Let's use Autograd to compute gradients for a simple function
x = torch.tensor([3.0], requires_grad=True)
y = x ** 2
y.backward()
print(f'dy/dx: {x.grad}')
