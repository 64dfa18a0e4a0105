# source: https://pytorch.org/docs/stable/generated/torch.nn.LayerNorm.html — changes: the docs' Examples block with its >>> prompts removed; sizes 20/5/10 made 2/3/4 to stay small; torch.manual_seed(0) and the imports added; the inputs given requires_grad=True and a backward() added
import torch
import torch.nn as nn
torch.manual_seed(0)
# NLP Example
batch, sentence_length, embedding_dim = 2, 3, 4
embedding = torch.randn(batch, sentence_length, embedding_dim, requires_grad=True)
layer_norm = nn.LayerNorm(embedding_dim)
# Activate module
out1 = layer_norm(embedding)
# Image Example
N, C, H, W = 2, 3, 2, 2
input = torch.randn(N, C, H, W, requires_grad=True)
# Normalize over the last three dimensions (i.e. the channel and spatial dimensions)
# as shown in the image below
layer_norm = nn.LayerNorm([C, H, W])
output = layer_norm(input)
(out1.pow(3).sum() + output.pow(3).sum()).backward()
