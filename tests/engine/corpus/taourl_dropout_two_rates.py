# source: https://taourl.com/read-2425289.html — changes: none
import torch

import torch.nn as nn

# Set the random seed for reproducibility

torch.manual_seed(42)

# Define two dropout layers with different rates

dropout1 = nn.Dropout(p=0.3)

dropout2 = nn.Dropout(p=0.5)

# Create a sample input tensor

x = torch.randn(5)

# Apply dropout with the same seed but different rates

output1 = dropout1(x)

output2 = dropout2(x)

print("Dropout 30%:", output1)

print("Dropout 50%:", output2)
