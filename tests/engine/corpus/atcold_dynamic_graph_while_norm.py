# source: https://github.com/Atcold/pytorch-Deep-Learning/blob/master/03-autograd_tutorial.ipynb — changes: notebook cells 1 and 20-22 joined; torch.manual_seed(0) added for the random x
import torch
torch.manual_seed(0)
# Dynamic graphs!
x = torch.randn(3, requires_grad=True)

y = x * 2
i = 0
while y.data.norm() < 1000:
    y = y * 2
    i += 1
print(y)
# If we don't run backward on a scalar we need to specify the grad_output
gradients = torch.FloatTensor([0.1, 1.0, 0.0001])
y.backward(gradients)

print(x.grad)
# BEFORE executing this, can you tell what would you expect it to print?
print(i)
