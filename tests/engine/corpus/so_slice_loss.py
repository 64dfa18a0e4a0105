# source: written for this corpus after the indexing questions (x[0], x[:, 1], x[1:3]) of the project's issue 13 — changes: none
import torch
x = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
first = x[0]
col = x[:, 1]
mid = x[0, 1:3]
loss = (first * 2).sum() + (col ** 2).sum() + (mid * mid).sum()
loss.backward()
print(x.grad)
