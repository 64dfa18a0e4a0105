# source: https://runebook.dev/en/docs/pytorch/generated/torch.nn.utils.clip_grad_norm_ ("Incorrect Way") — changes: torch.manual_seed(0) added
import torch
import torch.nn as nn
from torch.nn.utils import clip_grad_norm_
torch.manual_seed(0)

model = nn.Linear(10, 1)
loss = model(torch.randn(1, 10)).sum()
loss.backward()

# This is a common mistake!
# You're passing the whole model, not its parameters.
clip_grad_norm_(model, max_norm=1.0) 
