# source: https://github.com/pytorch/tutorials/blob/main/beginner_source/nlp/deep_learning_tutorial.py — changes: the affine-map and non-linearity cells with the file's imports; the second data renamed data2; both made leaves (requires_grad=True) and a backward of lin(data).sum() + F.relu(data2).sum() added
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim

torch.manual_seed(1)

lin = nn.Linear(5, 3)  # maps from R^5 to R^3, parameters A, b
# data is 2x5.  A maps from 5 to 3... can we map "data" under A?
data = torch.randn(2, 5, requires_grad=True)
print(lin(data))  # yes

# In pytorch, most non-linearities are in torch.functional (we have it imported as F)
# Note that non-linearites typically don't have parameters like affine maps do.
# That is, they don't have weights that are updated during training.
data2 = torch.randn(2, 2, requires_grad=True)
print(data2)
print(F.relu(data2))

(lin(data).sum() + F.relu(data2).sum()).backward()
print(data.grad, data2.grad)
