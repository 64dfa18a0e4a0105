# source: https://www.geeksforgeeks.org/how-to-differentiate-a-gradient-in-pytorch/ (read from a mirror copy) — changes: Example 1's two methods as one script (f.backward(), then torch.autograd.grad on a second f)
import torch
x = torch.tensor( 5.0 ,requires_grad = True )
f = 2 * (x ** 2 ) + 5
f.backward()
print (x.grad)

from torch.autograd import grad
def f(x):
    return 2 * (x ** 2 ) + 5
x = torch.tensor([ 5.0 ], requires_grad = True )
grad_f = grad(f(x), x)[ 0 ]
print (grad_f)
