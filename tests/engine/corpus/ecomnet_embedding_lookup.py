# source: https://e-com-net.com/article/1667262667892547584.htm — changes: its first code block (the one without padding_idx); `import torch` and `import torch.nn as nn` added; torch.manual_seed(0) added
import torch
import torch.nn as nn
torch.manual_seed(0)
input = torch.tensor([[0, 1, 2], [1, 2, 3]])
embedding = nn.Embedding(4, 3)
print(embedding(input))
