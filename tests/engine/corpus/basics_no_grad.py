# source: https://github.com/pytorch/tutorials/blob/main/beginner_source/basics/autogradqs_tutorial.py — changes: the no_grad part with the loss and backward of the first part
import torch
torch.manual_seed(0)
x = torch.ones(5)
y = torch.zeros(3)
w = torch.randn(5, 3, requires_grad=True)
b = torch.randn(3, requires_grad=True)
z = torch.matmul(x, w)+b
print(z.requires_grad)
with torch.no_grad():
    z2 = torch.matmul(x, w)+b
print(z2.requires_grad)
z_det = z.detach()
print(z_det.requires_grad)
loss = torch.nn.functional.binary_cross_entropy_with_logits(z + z2 + z_det, y)
loss.backward()
