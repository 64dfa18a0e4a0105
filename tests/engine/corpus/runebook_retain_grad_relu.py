# source: https://runebook.dev/en/docs/pytorch/generated/torch.tensor.retain_grad — changes: the page's two examples in order, the second one's tensors renamed (x2, y2, z2, output2); torch.manual_seed(0) added
import torch
torch.manual_seed(0)
# Create a leaf tensor
x = torch.randn(1, 10, requires_grad=True)
# Intermediate non-leaf tensors
y = x * 2
z = y.relu()
# A final tensor
output = z.sum()
# Perform the backward pass
output.backward()
# Try to access the gradients
print(f"Gradients of x (leaf): {x.grad}")
print(f"Gradients of y (non-leaf): {y.grad}") # This will be None

x2 = torch.randn(1, 10, requires_grad=True)
y2 = x2 * 2
y2.retain_grad()
z2 = y2.relu()
output2 = z2.sum()
output2.backward()
print(f"Gradients of x (leaf): {x2.grad}")
print(f"Gradients of y (non-leaf): {y2.grad}") # This will now have a value
