# source: https://laganvalleydup.co.uk/post/py-torch-dropout-behavior-same-seed-different-dropout — changes: none
import torch
import torch.nn as nn
torch.manual_seed(42)
dropout_layer = nn.Dropout(p=0.5)
input_tensor = torch.randn(10, 10)
output_tensor1 = dropout_layer(input_tensor)
output_tensor2 = dropout_layer(input_tensor)
print(f"Dropout percentage in output_tensor1: {torch.sum(output_tensor1 == 0).item() / (10 * 10)}")
print(f"Dropout percentage in output_tensor2: {torch.sum(output_tensor2 == 0).item() / (10 * 10)}")
