# source: https://huggingface.co/datasets/nvidia/Nemotron-CC-Math-v1 (the page "Aim of grad_tensor in backward(), and How to Compute Jacobian-Vector Product", a PyTorch forum post) — changes: import torch added (the post's code starts after it)
import torch
b25 = torch.tensor([[1.,2.,3.,4.,5.],[6.,7.,8.,9.,10.]], requires_grad= True)

def func2(x):
    y = x**2
    return y

y = func2(b25)

vector = torch.tensor([[100., 1., 1., 1., 1.],[1., 1., 1., 1., 1.]])
Jacobian = torch.autograd.functional.jacobian(func2, b25, create_graph=False, strict=False)

y.backward(vector)
