# source: https://github.com/lhycms/Deep_Learning_Notes — changes: section 3.2 (an in-place update of a leaf under no_grad); torch.manual_seed(0) added
import torch
torch.manual_seed(0)
x = torch.rand(3, requires_grad=True)
with torch.no_grad():
    x += 1
    print(x)
    print(x.requires_grad)
print(x)
print(x.requires_grad)
