# source: https://github.com/lseman/DAS410100 (autograd notebook, cells 1-3) — changes: the code cells in order as one script; torch.manual_seed(0) added
import torch
torch.manual_seed(0)

# Scalar example
x = torch.tensor(2.0, requires_grad=True)
y = x**2 + 3*x + 1   # y = x² + 3x + 1

y.backward()  # dy/dx

print("x =", x.item())
print("y =", y.item())
print("dy/dx =", x.grad.item())  # Should be 2x + 3 = 7

x = torch.randn(3, requires_grad=True)  # vector
A = torch.tensor([[2., 1., 0.],
                  [0., 3., 1.]], requires_grad=False)

y = (A @ x).sum()  # scalar output

y.backward()
print("x =", x)
print("Gradient dy/dx =", x.grad)

x = torch.tensor([1.0, 2.0], requires_grad=True)

y = torch.stack([x[0]**2, x[0]*x[1], torch.sin(x[1])])

# Compute full Jacobian
J = torch.autograd.functional.jacobian(lambda v: torch.stack([v[0]**2, v[0]*v[1], torch.sin(v[1])]), x)

print("Jacobian:\n", J)
