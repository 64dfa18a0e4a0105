# source: https://huggingface.co/datasets/nvidia/Nemotron-CC-Math-v1 (the page "How backward() is Calculated in CrossEntropyLoss", a PyTorch forum thread, ptrblck's reply) — changes: the imports and torch.manual_seed(0) added; the printed outputs (comments) left as they were
import torch
import torch.nn as nn
import torch.nn.functional as F
torch.manual_seed(0)
criterion1 = nn.CrossEntropyLoss()
criterion2 = nn.NLLLoss()

L1 = nn.Linear(2, 4)
x = torch.randn(1, 2)
target = torch.randint(0, 4, (1,))

# CrossEntropyLoss
out1 = L1(x)
loss1 = criterion1(out1, target)
print(loss1)
# tensor(1.6417, grad_fn=<NllLossBackward0>)

loss1.backward()
print(L1.weight.grad)
# tensor([[-0.7159,  0.1766],
#         [-0.5968,  0.1472],
#         [-0.1265,  0.0312],
#         [ 1.4391, -0.3549]])
L1.zero_grad()

# NLLLoss
out2 = L1(x)
loss2 = criterion2(F.log_softmax(out2, dim=1), target)
print(loss2)
# tensor(1.6417, grad_fn=<NllLossBackward0>)

loss2.backward()
print(L1.weight.grad)
