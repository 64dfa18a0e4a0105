# source: https://huggingface.co/datasets/nvidia/Nemotron-CC-Math-v1 (a copy of the PyTorch forum thread "Why does .backward(retain_graph=True) give different values each time it is called?", Pablo RF, 2020-09-17) — changes: the question's two code blocks and its debugging lines joined
from torch import tensor, empty, zeros

x = tensor([1., 2.], requires_grad=True)
y = empty(3)
y[0] = 3 * x[0]**2
y[1] = x[0]**2 + 2 * x[1]**3
y[2] = 10 * x[1]

J = zeros((y.shape[0], x.shape[0]))
for i in range(y.shape[0]):
    xU = zeros(y.shape[0])
    xU[i] = 1.0
    y.backward(xU, retain_graph=True)
    J[i,:] = x.grad
print(J)

y[0].backward(retain_graph=True)
print(x.grad)
y[0].backward(retain_graph=True)
print(x.grad)
