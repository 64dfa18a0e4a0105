# source: https://u.lekhoni.com/pytorch101/autograd.html — changes: `import torch` added (the page imports it in an earlier section)
import torch
# Create a tensor and set requires_grad=True to track computation with it
x = torch.tensor([3.], requires_grad=True)
y = x * 3 + 2
y.backward()
print(x.grad) # This will output tensor([3.]), as dy/dx = 3
