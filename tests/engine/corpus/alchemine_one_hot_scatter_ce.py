# source: https://alchemine.github.io/2022/12/17/logistic_regression.html — changes: its F.cross_entropy() code lines (the printed outputs left out); the imports and torch.manual_seed(0) added
import torch
import torch.nn.functional as F
torch.manual_seed(0)
logits = torch.rand(3, 5)
logits
labels    = torch.tensor([2, 4, 3])
labels_oh = torch.zeros(3, 5).scatter(1, labels.unsqueeze(-1), 1)
labels_oh
loss = -(labels_oh * torch.log(F.softmax(logits, dim=1))).sum(1).mean()
loss
assert loss == F.nll_loss(F.log_softmax(logits, dim=1), labels) \
            == F.cross_entropy(logits, labels)
