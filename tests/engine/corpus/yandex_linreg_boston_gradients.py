# source: https://github.com/yandexdataschool/Practical_DL/blob/master/week02_autodiff/seminar_pytorch.ipynb (cells 12, 13, 15) — changes: the Boston housing data replaced by torch.rand(20) * 4 and a noisy line (torch.manual_seed(0)); `import torch` added
import torch
torch.manual_seed(0)
data_x = torch.rand(20) * 4
target = 3 * data_x + 1 + torch.randn(20) * 0.1
w = torch.zeros(1, requires_grad=True)
b = torch.zeros(1, requires_grad=True)

x = torch.tensor(data_x / 10, dtype=torch.float32)
y = torch.tensor(target, dtype=torch.float32)
y_pred = w * x + b
loss = torch.mean((y_pred - y)**2)

# propagete gradients
loss.backward()
print("dL/dw = \n", w.grad)
print("dL/db = \n", b.grad)
