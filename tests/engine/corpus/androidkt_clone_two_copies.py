# source: https://androidkt.com/how-to-copy-pytorch-tensor-using-clone-detach-and-deepcopy/ — changes: the page's first two code blocks joined, their printed outputs dropped; import torch added
import torch
x=torch.ones(5,requires_grad=True)

y=x.clone()

print(x,'x')
print(y,'clone of x')
x=torch.ones(5,requires_grad=True)

y=x.clone()*2

z=x.clone()*3

sum=(y+z).sum()

sum.backward()

print(x.grad) # tensor([5., 5., 5., 5., 5.])
print(y.grad)
