# source: written for this corpus after the `FloatTensor`/`LongTensor` pattern counted among real learner code (FACTS.md) — changes: none
import torch
x = torch.LongTensor([1, 2, 3])
x.requires_grad = True
y = x * 2
