# source: https://androidkt.com/fix-cant-call-numpy-on-tensor-that-requires-grad-use-tensor-detach-numpy-instead/ — changes: its first two code blocks joined in the page's order (the error, then the fix)
import torch
import torch.nn as nn

a = torch.tensor([1,2,3.], requires_grad=True)
print(a.numpy())
print(a.detach().numpy())
