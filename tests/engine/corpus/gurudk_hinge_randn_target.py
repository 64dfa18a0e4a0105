# source: https://github.com/gurudk/Yong/blob/0600051c6e2552bded7633875ab12ddd6cac015d/deeplearning/pytorch/loss/hinge_loss_function.py — changes: torch.manual_seed(0) added
import torch
import torch.nn as nn
torch.manual_seed(0)

input = torch.randn(3, 5, requires_grad=True)
target = torch.randn(3, 5)

hinge_loss = nn.HingeEmbeddingLoss()
output = hinge_loss(input, target)
output.backward()

print("input: ", input)
print("target: ", target)
print("output: ", output)
