# source: https://github.com/dsgiitr/d2l-pytorch/blob/master/Ch04_The_Preliminaries_A_Crashcourse/Automatic_Differentiation.ipynb — changes: notebook cells 2, 16-20 joined; torch.manual_seed(0) added for the random a
import torch
torch.manual_seed(0)
def f(a):
    b = a * 2
    while b.norm().item() < 1000:
        b = b * 2
    if b.sum().item() > 0:
        c = b
    else:
        c = 100 * b
    return c
a = torch.randn(size=(1,))
a.requires_grad=True
d = f(a)
d.backward()
print(a.grad == (d / a))
