# source: https://openillumi.com/en/en-pytorch-retain-grad-inplace-error-fix — changes: the page's "(y-gt) 2" lost its ** in the page's text; written as (y-gt)**2
import torch
a = torch.tensor([1.], requires_grad=True)
y = torch.zeros((10))
gt = torch.zeros((10))
y[0] = a
y[1] = y[0] * 2
loss = torch.sum((y-gt)**2)
y.retain_grad() # Call after computation
loss.backward()
print(y.grad)
