# source: https://github.com/pytorch/tutorials/blob/6f53cd7c257a9ace7f6198bc3d22bdd8547414fd/beginner_source/examples_nn/two_layer_net_module.py — changes: torch.manual_seed(0) added, comments dropped, loss.data[0] written loss.item() and size_average=False written reduction='sum' (as the tutorial later did), 20 steps instead of 500
import torch
from torch.autograd import Variable
torch.manual_seed(0)


class TwoLayerNet(torch.nn.Module):
    def __init__(self, D_in, H, D_out):
        super(TwoLayerNet, self).__init__()
        self.linear1 = torch.nn.Linear(D_in, H)
        self.linear2 = torch.nn.Linear(H, D_out)

    def forward(self, x):
        h_relu = self.linear1(x).clamp(min=0)
        y_pred = self.linear2(h_relu)
        return y_pred


N, D_in, H, D_out = 64, 1000, 100, 10

x = Variable(torch.randn(N, D_in))
y = Variable(torch.randn(N, D_out), requires_grad=False)

model = TwoLayerNet(D_in, H, D_out)

criterion = torch.nn.MSELoss(reduction='sum')
optimizer = torch.optim.SGD(model.parameters(), lr=1e-4)
for t in range(20):
    y_pred = model.forward(x)

    loss = criterion(y_pred, y)
    print(t, loss.item())

    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
w1 = model.linear1.weight
b2 = model.linear2.bias
