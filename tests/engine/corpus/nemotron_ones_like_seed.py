# source: https://huggingface.co/datasets/nvidia/Nemotron-CC-Math-v1 (the page "Autograd Error in Python: runtimeerror: grad can be implicitly created only for scalar outputs", its "After Modification" code) — changes: none
import torch
x = torch.ones(2, 2, requires_grad=True)
print(x)
y = x + 2
print(y)
print(y.grad_fn)
y.backward(torch.ones_like(x))  # Provide a tensor of the same size
print(x.grad)
