# source: https://github.com/LanZBoY/torchtutorial (autograd notebook, cells 1-6) — changes: torch.manual_seed(0) added before torch.rand
import torch
torch.manual_seed(0)
x = torch.ones(5) #input tensor
y = torch.zeros(3)
w = torch.rand(size=(5, 3), requires_grad = True) # 建立一個5x3的矩陣才可以做線性轉換
b = torch.rand(3, requires_grad = True)

z = torch.matmul(x, w) + b
loss = torch.nn.functional.binary_cross_entropy_with_logits(z, y)
print('Gradient function for z =',z.grad_fn)
print('Gradient function for loss =', loss.grad_fn)
print(f'current grad without performing loss.backward() is w\'s {w.grad}, bias\'s {b.grad}')
loss.backward()
print("current grad after performing loss.backward()")
print(w.grad)
print(b.grad)
z = torch.matmul(x, w)+b
print(z.requires_grad)

with torch.no_grad():
    z = torch.matmul(x, w)+b
print(z.requires_grad)

with torch.enable_grad():
    z = x @ w + b
print(z.requires_grad)

z = torch.matmul(x, w)+b
z_det = z.detach()
print(z_det.requires_grad)
