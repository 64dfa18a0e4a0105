# source: https://tjhub.jdoodle.com/post/runtimeerror-grad-can-be-implicitly-created-only-for-scalar — changes: torch.manual_seed(0) added
import torch
torch.manual_seed(0)
x = torch.randn(3, requires_grad=True)
y = torch.randn(3, requires_grad=True)
# Incorrect: multiple outputs
loss = torch.cat([x, y])
loss.backward() # This will throw the error!
