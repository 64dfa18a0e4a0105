# source: https://stackoverflow.com/questions/63816321/why-pytorch-autograd-need-another-vector-to-backward-instead-of-computing-jaco — changes: J[:,i] = x.grad (storing a gradient) written as print(x.grad); torch.manual_seed(0) added
import torch
torch.manual_seed(0)
x = torch.randn(3, requires_grad=True)
y = x * 2
for i in range(x.shape[0]):
    v = torch.tensor([1 if j==i else 0 for j in range(x.shape[0])], dtype=torch.float)
    y.backward(v, retain_graph=True)
    print(x.grad)
    x.grad.zero_()
