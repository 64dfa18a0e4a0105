# source: https://miaokee.com/2780190.html — changes: torch.manual_seed(0) added before torch.randn
import torch
from torch.autograd.functional import jacobian
torch.manual_seed(0)
def func(x):
    return x.exp().sum(dim=1)
x = torch.randn(2, 3)
y = func(x)
print(x)
print(y) # tensor([3.0724, 5.4959])
# exp(-0.2497)+exp(-0.8842)+exp(0.6314)=3.0724
# exp(-0.0687)+exp(-1.5360)+exp(1.4695)=5.4959
print(jacobian(func, x))
