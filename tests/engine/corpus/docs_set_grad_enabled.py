# source: https://pytorch.org/docs/stable/generated/torch.set_grad_enabled.html — changes: the example's >>> lines as a script; a backward of the last y requiring grad added before the final switch-off
import torch
x = torch.tensor([1.], requires_grad=True)
is_train = False
with torch.set_grad_enabled(is_train):
    y = x * 2
y.requires_grad
_ = torch.set_grad_enabled(True)
y = x * 2
y.requires_grad
y.backward()
_ = torch.set_grad_enabled(False)
y = x * 2
y.requires_grad
