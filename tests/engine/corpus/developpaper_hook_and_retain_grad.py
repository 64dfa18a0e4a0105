# source: https://developpaper.com/an-example-of-gradient-calculation-for-variables-of-non-leaf-nodes-in-python/ — changes: the page's two examples in order (imports added, the second one's tensors renamed x2, y2, z2, out2)
import torch
from torch.autograd import Variable

def hook_y(grad):
    print(grad)
x = Variable(torch.ones(2, 2), requires_grad=True)
y = x + 2
z = y * y * 3
y.register_hook(hook_y)
out = z.mean()
out.backward()

x2 = Variable(torch.ones(2, 2), requires_grad=True)
y2 = x2 + 2
y2.retain_grad()
z2 = y2 * y2 * 3
out2 = z2.mean()
out2.backward()
print(y2.grad)
