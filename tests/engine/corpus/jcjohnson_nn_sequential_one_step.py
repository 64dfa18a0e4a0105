# source: https://github.com/jcjohnson/pytorch-examples/blob/master/nn/two_layer_net_nn.py — changes: sizes 64/1000/100/10 made 4/5/3/2; torch.manual_seed(0) added; the loop's body run once up to loss.backward() (the manual update left out)
import torch
torch.manual_seed(0)
N, D_in, H, D_out = 4, 5, 3, 2

x = torch.randn(N, D_in)
y = torch.randn(N, D_out)

model = torch.nn.Sequential(
          torch.nn.Linear(D_in, H),
          torch.nn.ReLU(),
          torch.nn.Linear(H, D_out),
        )
loss_fn = torch.nn.MSELoss(reduction='sum')

learning_rate = 1e-4
y_pred = model(x)
loss = loss_fn(y_pred, y)
print(0, loss.item())
model.zero_grad()
loss.backward()
first = model[0].weight
last = model[2].bias
