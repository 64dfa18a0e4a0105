# source: https://github.com/pytorch/pytorch/issues/79262 — changes: the interpreter echo lines (torch.__version__ and its output, the printed tensor) left out
import torch 
input = torch.tensor([[-0.6205, 0.225],[-0.8916, 0.4492]], requires_grad = True) 
target = torch.tensor([[-0.6205, 0.225],[-0.8916, 0.4492]]) 
beta = 0 
n = torch.abs(input - target) 
#Since input == target so the cond is never true.
cond = n < beta 
loss = torch.where(cond, 0.5 * n**2 / beta, n - 0.5 * beta)
loss = loss.sum() 
loss.backward() 
print(input.grad)
