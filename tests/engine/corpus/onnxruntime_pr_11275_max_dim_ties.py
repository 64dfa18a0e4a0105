# source: https://github.com/microsoft/onnxruntime/pull/11275 — changes: the code comment's session as a script, `import torch` added
import torch
x = torch.tensor([1., 2., 2., 1., 2.], requires_grad=True)
y = x.max(dim=0)
print(y)
y.values.backward()
print(x.grad)
