# source: https://github.com/jcjohnson/pytorch-examples/blob/master/nn/dynamic_net.py — changes: sizes 64/1000/100/10 made 4/5/3/2; random.randint(0, 3) fixed to 2 (the reference and the app would draw different numbers); torch.manual_seed(0) added; the loop's body run once up to loss.backward(); docstrings shortened
import torch

class DynamicNet(torch.nn.Module):
  def __init__(self, D_in, H, D_out):
    super(DynamicNet, self).__init__()
    self.input_linear = torch.nn.Linear(D_in, H)
    self.middle_linear = torch.nn.Linear(H, H)
    self.output_linear = torch.nn.Linear(H, D_out)

  def forward(self, x):
    h_relu = self.input_linear(x).clamp(min=0)
    for _ in range(2):
      h_relu = self.middle_linear(h_relu).clamp(min=0)
    y_pred = self.output_linear(h_relu)
    return y_pred

torch.manual_seed(0)
N, D_in, H, D_out = 4, 5, 3, 2

x = torch.randn(N, D_in)
y = torch.randn(N, D_out)

model = DynamicNet(D_in, H, D_out)

criterion = torch.nn.MSELoss(reduction='sum')
y_pred = model(x)
loss = criterion(y_pred, y)
print(loss.item())
loss.backward()
mw = model.middle_linear.weight
mb = model.middle_linear.bias
