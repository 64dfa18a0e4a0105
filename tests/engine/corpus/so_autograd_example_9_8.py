# source: https://whosebug.com/question/4883527/autograd-differentiation-example-in-PyTorch-should-be-9-8 (a mirror of the Stack Overflow question "autograd differentiation example in PyTorch - should be 9/8?") — changes: the asker's two code blocks joined; print of x.grad added
import torch

# define graph
x = torch.ones(2, 2, requires_grad=True)
y = x + 2
z = y * y * 3
out = z.mean()

# if we don't do this, torch will only retain gradients for leaf nodes, ie: x
y.retain_grad()
z.retain_grad()

# does a forward pass
print(z, out)

# now let's run our backward prop & get gradients
out.backward()
print(f'do/dz = {z.grad[0,0]}')
print(x.grad)
