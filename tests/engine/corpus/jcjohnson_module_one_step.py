# source: https://github.com/jcjohnson/pytorch-examples/blob/master/nn/two_layer_net_module.py — changes: sizes 64/1000/100/10 made 4/5/3/2; torch.manual_seed(0) added; the training loop's body run once, up to loss.backward() (zero_grad and step left out); docstrings shortened
import torch

class TwoLayerNet(torch.nn.Module):
  def __init__(self, D_in, H, D_out):
    """Two nn.Linear modules as member variables."""
    super(TwoLayerNet, self).__init__()
    self.linear1 = torch.nn.Linear(D_in, H)
    self.linear2 = torch.nn.Linear(H, D_out)

  def forward(self, x):
    h_relu = self.linear1(x).clamp(min=0)
    y_pred = self.linear2(h_relu)
    return y_pred

torch.manual_seed(0)
N, D_in, H, D_out = 4, 5, 3, 2

x = torch.randn(N, D_in)
y = torch.randn(N, D_out)

model = TwoLayerNet(D_in, H, D_out)

loss_fn = torch.nn.MSELoss(reduction='sum')
y_pred = model(x)
loss = loss_fn(y_pred, y)
print(loss.item())
loss.backward()
w1 = model.linear1.weight
b1 = model.linear1.bias
w2 = model.linear2.weight
b2 = model.linear2.bias
