# source: https://androidkt.com/how-to-use-optimizer-zero_grad-in-pytorch/ — changes: imports added; a small training loop on 10 random points written as the post describes it (zero_grad, backward, step; torch.manual_seed(0)); print of the weight and its grad
import torch
import torch.nn as nn
class LinearRegressionModel(nn.Module):
    def __init__(self):
        super(LinearRegressionModel, self).__init__()
        self.linear = nn.Linear(1, 1,bias=False)
    def forward(self, x):
        out = self.linear(x)
        return out
torch.manual_seed(0)
model = LinearRegressionModel()
criterion = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
x = torch.randn(10, 1)
y = 2 * x
for epoch in range(5):
    optimizer.zero_grad()
    outputs = model(x)
    loss = criterion(outputs, y)
    loss.backward()
    optimizer.step()
print(model.linear.weight, model.linear.weight.grad)
