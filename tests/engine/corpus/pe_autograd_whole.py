# source: https://github.com/patrickloeber/pytorchTutorial/blob/master/03_autograd.py — changes: the whole file (it ends in a loop that updates weights from weights.grad); torch.manual_seed(0) added; the comments of the first parts removed
import torch
torch.manual_seed(0)
x = torch.randn(3, requires_grad=True)
y = x + 2
print(x) # created by the user -> grad_fn is None
print(y)
print(y.grad_fn)
z = y * y * 3
print(z)
z = z.mean()
print(z)
z.backward()
print(x.grad) # dz/dx

x = torch.randn(3, requires_grad=True)
y = x * 2
for _ in range(10):
    y = y * 2
print(y)
print(y.shape)
v = torch.tensor([0.1, 1.0, 0.0001], dtype=torch.float32)
y.backward(v)
print(x.grad)

a = torch.randn(2, 2)
print(a.requires_grad)
b = ((a * 3) / (a - 1))
print(b.grad_fn)
a.requires_grad_(True)
print(a.requires_grad)
b = (a * a).sum()
print(b.grad_fn)

a = torch.randn(2, 2, requires_grad=True)
print(a.requires_grad)
b = a.detach()
print(b.requires_grad)

a = torch.randn(2, 2, requires_grad=True)
print(a.requires_grad)
with torch.no_grad():
    print((x ** 2).requires_grad)

# -------------
# with backward() the gradient for this tensor will be accumulated into .grad attribute.
# !!! We need to be careful during optimization !!!
# Use .zero_() to empty the gradients before a new optimization step!
weights = torch.ones(4, requires_grad=True)

for epoch in range(3):
    # just a dummy example
    model_output = (weights*3).sum()
    model_output.backward()
    
    print(weights.grad)

    # optimize model, i.e. adjust weights...
    with torch.no_grad():
        weights -= 0.1 * weights.grad

    # this is important! It affects the final weights & output
    weights.grad.zero_()

print(weights)
print(model_output)
