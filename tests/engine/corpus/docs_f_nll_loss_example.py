# source: https://pytorch.org/docs/stable/generated/torch.nn.functional.nll_loss.html — changes: the docs' Examples block with its >>> prompts removed; torch.manual_seed(0) and the imports added
import torch
import torch.nn.functional as F
torch.manual_seed(0)
# input is of size N x C = 3 x 5
input = torch.randn(3, 5, requires_grad=True)
# each element in target has to have 0 <= value < C
target = torch.tensor([1, 0, 4])
output = F.nll_loss(F.log_softmax(input, dim=1), target)
output.backward()
