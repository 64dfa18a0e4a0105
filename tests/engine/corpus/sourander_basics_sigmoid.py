# source: https://github.com/sourander/syvaoppiminen (backpropagation notebook, "The Very Basics" cells) — changes: none
import torch
# A similar simple case would be y = x + z
x = torch.tensor(2.0, requires_grad=True)
z = torch.tensor(3.0, requires_grad=True)

y = x + z
y.backward()

print(x.grad)  # dy/dx = 1.0
print(z.grad)  # dy/dz = 1.0
x = torch.tensor(2.0, requires_grad=True)
z = torch.tensor(3.0, requires_grad=True)

y = x * z
y.backward()

print(x.grad)  # dy/dx = z = 3.0
print(z.grad)  # dy/dz = x = 2.0
x = torch.tensor(0.5, requires_grad=True)

# Sigmoid only
a = torch.sigmoid(x)
output = a.detach().clone()

# Print the PyTorch computed gradient
a.backward()
print("Automatic gradient:", x.grad)

# Compare to manually computed gradient
manual_grad = output * (1 - output)
equals = torch.isclose(x.grad, manual_grad).item() # type: ignore
print("Do they equal?:", equals) 
