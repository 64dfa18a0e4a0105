# source: https://pytorch.org/docs/stable/generated/torch.nn.KLDivLoss.html — changes: the docs' Examples block with its >>> prompts removed; torch.manual_seed(0) and the imports added; the logits given a name (x) and a backward() added at the end
import torch
import torch.nn as nn
import torch.nn.functional as F
torch.manual_seed(0)
kl_loss = nn.KLDivLoss(reduction="batchmean")
# input should be a distribution in the log space
x = torch.randn(3, 5, requires_grad=True)
input = F.log_softmax(x, dim=1)
# Sample a batch of distributions. Usually this would come from the dataset
target = F.softmax(torch.rand(3, 5), dim=1)
output = kl_loss(input, target)

kl_loss = nn.KLDivLoss(reduction="batchmean", log_target=True)
log_target = F.log_softmax(torch.rand(3, 5), dim=1)
output = kl_loss(input, log_target)
output.backward()
