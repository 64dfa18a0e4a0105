# source: https://github.com/tae-hyoung9909/CNN — changes: the README's requires_grad=True cell as posted
import torch

x = torch.tensor([2.0, 3.0], requires_grad=True)
y = x * 2
z = y.sum()

print(y)  # tensor([4., 6.], grad_fn=<MulBackward0>)
print(z)  # tensor(10., grad_fn=<SumBackward0>)

# 역전파
z.backward()
print(x.grad)  # tensor([2., 2.])
