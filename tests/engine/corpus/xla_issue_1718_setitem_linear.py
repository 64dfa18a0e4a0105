# source: https://github.com/pytorch/xla/issues/1718 — changes: the CPU run only (torch_xla left out), called directly; sizes 512/1024/16/768 made 6/8/3/5 to stay small
import torch
import torch.nn as nn

def run_test(device):
    torch.manual_seed(0)
    linear = nn.Linear(6, 8).to(device=device)
    batch = torch.rand(3, 6).to(device=device)
    x = linear(batch)
    x[:, :5] = 0
    loss = x.sum()
    loss.backward()
    print('\tloss', loss)
    print('\tgnorm', linear.weight.grad.norm())

print('CPU:')
run_test('cpu')
