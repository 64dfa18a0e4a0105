# source: https://pytorch.org/docs/stable/generated/torch.autograd.graph.saved_tensors_hooks.html — changes: the docs' Example block with its >>> prompts and displayed outputs removed; `import torch` added
import torch
def pack_hook(x):
    print("Packing", x)
    return x.detach()

def unpack_hook(x):
    print("Unpacking", x)
    return x

a = torch.ones(5, requires_grad=True)
b = torch.ones(5, requires_grad=True) * 2
with torch.autograd.graph.saved_tensors_hooks(pack_hook, unpack_hook):
    y = a * b
y.sum().backward()
