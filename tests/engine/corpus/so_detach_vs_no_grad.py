# source: https://stackoverflow.com/questions/56816241/difference-between-detach-and-with-torch-nograd-in-pytorch (read from a mirror copy, wiki.kunaldawn.com) — changes: the answer's examples in order; make_dot(r) (torchviz draws the graph) replaced by r.backward(), each example's x kept under its own name
import torch

x=torch.ones(2, requires_grad=True)
y=2*x
z=3+x
r=(y+z).sum()
r.backward()

x2=torch.ones(2, requires_grad=True)
y2=2*x2
z2=3+x2.detach()
r2=(y2+z2).sum()
r2.backward()

print(x2)
print(x2.detach())

x3=torch.ones(2, requires_grad=True)
with torch.no_grad():
    y3 = x3 * 2
print(y3.requires_grad)
