# source: https://github.com/pytorch/pytorch/issues/52248 — changes: the IPython session's inputs as a script, `import torch` and torch.manual_seed(0) added
import torch
torch.manual_seed(0)
a = torch.randn(()).requires_grad_()
b = torch.tensor(False)
c = torch.ones(())
print(torch.where(b, a/0, c))
print(torch.autograd.grad(torch.where(b, a/0, c), a))
