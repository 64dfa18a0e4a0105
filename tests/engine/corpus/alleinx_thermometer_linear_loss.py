# source: https://github.com/Alleinx/Notes/blob/master/AI/pytorch/DL_w_PyTorch/therm_linear.py — changes: torch.manual_seed(0) added; one loss and backward instead of the Adam loop (the optimizer lines left out); w = linear_model.weight and b = linear_model.bias added so their grads are compared
import torch
import torch.nn as nn
torch.manual_seed(0)
t_c = [0.5, 14.0, 15.0, 28.0, 11.0, 8.0, 3.0, -4.0, 6.0, 13.0, 21.0]
t_u = [35.7, 55.9, 58.2, 81.9, 56.3, 48.9, 33.9, 21.8, 48.4, 60.4, 68.4]

t_c = torch.tensor(t_c, dtype=torch.float).view(-1, 1)
t_u = torch.tensor(t_u, dtype=torch.float).view(-1, 1)

linear_model = nn.Linear(1, 1, bias=True)
predicted = linear_model(t_u)
loss_fn = nn.MSELoss()
loss = loss_fn(predicted, t_c)
loss.backward()
print('Loss:', float(loss))
print('Weight:', float(linear_model.weight))
print('Bias:', float(linear_model.bias))
w = linear_model.weight
b = linear_model.bias
