# source: https://github.com/pytorch/pytorch/issues/9391 — changes: the two interpreter sessions pasted as one script (the first raises, as in the issue)
import torch
a = torch.tensor([1,2,3.], requires_grad = True)
b = 1/((-a).exp()+1)
print(b)
b[1]= 2
b.sum().backward()
print(a.grad)
a = torch.tensor([1,2,3.], requires_grad = True)
b = a.sigmoid()
print(b)
b[1]= 2
b.sum().backward()
