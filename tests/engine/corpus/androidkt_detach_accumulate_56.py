# source: https://androidkt.com/difference-between-clone-vs-detach-copy-deepcopy-in-pytorch/ — changes: the page's two gradient code blocks joined; import torch added; the second block's end, cut off on the page, completed as its first block ends (w.backward(); print(x.grad))
import torch
x = torch.tensor(([1.0]),requires_grad=True)
y = x**2
z = 2*y
w= z**3
p = z
q = torch.tensor(([2.0]), requires_grad=True)
pq = p*q
pq.backward(retain_graph=True)
w.backward()
print(x.grad) #tensor([56.])
x = torch.tensor(([1.0]),requires_grad=True)
y = x**2
z = 2*y
w= z**3
# detach it, so the gradient w.r.t `p` does not effect `z`!
p = z.detach()
q = torch.tensor(([2.0]), requires_grad=True)
pq = p*q
pq.backward(retain_graph=True)
w.backward()
print(x.grad)
