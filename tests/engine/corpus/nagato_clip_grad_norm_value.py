# source: https://github.com/NagatoYuki0943/DL (梯度裁剪 notebook, cells 36-42) — changes: torch.manual_seed(0) added (the notebook printed its own random start); bare displays written as print(...)
import torch
from torch import nn, optim, Tensor
torch.manual_seed(0)
model = nn.Linear(1, 1)
print(model)
optimizer = optim.SGD(params=model.parameters(), lr=10)
loss_fn = nn.MSELoss()
print(dict(model.state_dict()))
for x, y in ((0., 1.), (1., 3.), (2., 5.)):
    x = torch.tensor(x).reshape(-1, 1)
    y = torch.tensor(y).reshape(-1, 1)

    optimizer.zero_grad()
    y_pred: Tensor = model(x)
    loss: Tensor = loss_fn(y, y_pred)
    loss.backward()
    # clip gradient by norm
    nn.utils.clip_grad.clip_grad_norm_(parameters=model.parameters(), max_norm=1.0, norm_type=2)
    # clip gradient by value
    nn.utils.clip_grad.clip_grad_value_(parameters=model.parameters(), clip_value=0.01)
    optimizer.step()
print(dict(model.state_dict()))
