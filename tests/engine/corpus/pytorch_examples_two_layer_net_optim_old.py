# source: https://github.com/pytorch/tutorials/blob/29c5caad33fdcd34418e62e7cfdddab5c3bd2021/beginner_source/examples_nn/two_layer_net_optim.py — changes: torch.manual_seed(0) added, comments dropped (the 2017 version: Variable, size_average, loss.data[0])
import torch
from torch.autograd import Variable
torch.manual_seed(0)

N, D_in, H, D_out = 64, 1000, 100, 10

x = Variable(torch.randn(N, D_in))
y = Variable(torch.randn(N, D_out), requires_grad=False)

model = torch.nn.Sequential(
          torch.nn.Linear(D_in, H),
          torch.nn.ReLU(),
          torch.nn.Linear(H, D_out),
        )
loss_fn = torch.nn.MSELoss(size_average=False)

learning_rate = 1e-4
optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)
for t in range(500):
  y_pred = model(x)

  loss = loss_fn(y_pred, y)
  print(t, loss.data[0])

  optimizer.zero_grad()

  loss.backward()

  optimizer.step()
