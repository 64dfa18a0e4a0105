# source: https://github.com/pytorch/tutorials/blob/main/beginner_source/examples_autograd/two_layer_net_autograd.py — changes: torch.manual_seed(0) added; the forward and loss.backward() of the first step (the loop and the weight update removed); sizes 64/1000/100/10 made 8/20/10/3
import torch

dtype = torch.float
device = torch.device("cpu")
# device = torch.device("cuda:0") # Uncomment this to run on GPU
torch.manual_seed(0)

# N is batch size; D_in is input dimension;
# H is hidden dimension; D_out is output dimension.
N, D_in, H, D_out = 8, 20, 10, 3

x = torch.randn(N, D_in, device=device, dtype=dtype)
y = torch.randn(N, D_out, device=device, dtype=dtype)

w1 = torch.randn(D_in, H, device=device, dtype=dtype, requires_grad=True)
w2 = torch.randn(H, D_out, device=device, dtype=dtype, requires_grad=True)

learning_rate = 1e-6
y_pred = x.mm(w1).clamp(min=0).mm(w2)

loss = (y_pred - y).pow(2).sum()
print(0, loss.item())

loss.backward()
print(w1.grad.shape, w2.grad.shape)
