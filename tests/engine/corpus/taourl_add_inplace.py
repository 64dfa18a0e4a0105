# source: https://taourl.com/read-2213901.html — changes: the page's first example with the operators and call parentheses its text lost restored (y = x * 2, y.sum(), z.backward())
import torch
x = torch.tensor([1.0], requires_grad=True)
y = x * 2
y.add_(1) # Inplace operation
z = y.sum()
z.backward() # Raises RuntimeError
print(x.grad)
