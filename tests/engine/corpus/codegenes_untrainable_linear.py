# source: https://www.codegenes.net/blog/how-to-make-a-layer-in-pytorch-untrainable — changes: its first three code blocks joined; torch.manual_seed(0) added; indentation of the loop and function bodies restored (the page lost it)
import torch
import torch.nn as nn
torch.manual_seed(0)
# Create a linear layer
linear_layer = nn.Linear(10, 5)
print(f"Original requires_grad of weight: {linear_layer.weight.requires_grad}")
print(f"Original requires_grad of bias: {linear_layer.bias.requires_grad}")
import torch
import torch.nn as nn
# Create a linear layer
linear_layer = nn.Linear(10, 5)
# Make the layer untrainable
for param in linear_layer.parameters():
    param.requires_grad = False
print(f"Updated requires_grad of weight: {linear_layer.weight.requires_grad}")
print(f"Updated requires_grad of bias: {linear_layer.bias.requires_grad}")
import torch
import torch.nn as nn
def freeze_layer(layer):
    for param in layer.parameters():
        param.requires_grad = False
    return layer
# Create a linear layer
linear_layer = nn.Linear(10, 5)
linear_layer = freeze_layer(linear_layer)
print(f"Freezed requires_grad of weight: {linear_layer.weight.requires_grad}")
print(f"Freezed requires_grad of bias: {linear_layer.bias.requires_grad}")
