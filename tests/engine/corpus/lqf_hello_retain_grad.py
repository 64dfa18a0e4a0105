# source: https://github.com/Lqf-HFNJU/hello-pytorch/blob/master/hellotorch/hello.py — changes: the commented-out loss.backward() run, and the grads of the intermediates printed after it
import torch

### autograd

from torch.autograd import Variable
from torch.autograd import Function

input = torch.ones([2, 2], requires_grad=False)
w1 = torch.tensor(2.0, requires_grad=True)
w2 = torch.tensor(3.0, requires_grad=True)
w3 = torch.tensor(4.0, requires_grad=True)

l1 = input * w1
l2 = l1 + w2
l3 = l1 * w3
l4 = l2 * l3
loss = l4.mean()

print(w1.data, w1.grad, w1.grad_fn)
# tensor(2.) None None

print(l1.data, l1.grad, l1.grad_fn)
# tensor([[2., 2.],
#         [2., 2.]]) None <MulBackward0 object at 0x000001EBE79E6AC8>

print(loss.data, loss.grad, loss.grad_fn)
# tensor(40.) None <MeanBackward0 object at 0x000001EBE79D8208>


l1.retain_grad()
l2.retain_grad()
l3.retain_grad()
l4.retain_grad()

loss.backward()
print(l1.grad, l2.grad, l3.grad, l4.grad)
print(w1.grad, w2.grad, w3.grad)
