# source: https://github.com/yandexdataschool/Practical_DL/blob/master/week02_autodiff/seminar_pytorch.ipynb (cells 12, 13, 17) — changes: the Boston housing data replaced by torch.rand(20) * 4 and a noisy line (torch.manual_seed(0)); the plotting and clear_output lines left out
import torch
torch.manual_seed(0)
data_x = torch.rand(20) * 4
target = 3 * data_x + 1 + torch.randn(20) * 0.1
w = torch.zeros(1, requires_grad=True)
b = torch.zeros(1, requires_grad=True)
x = data_x / 10
y = target

for i in range(100):

    y_pred = w * x + b
    loss = torch.mean((y_pred - y)**2)
    loss.backward()

    with torch.no_grad():
        w.data = w - 0.05 * w.grad.data
        b.data = b - 0.05 * b.grad.data

        # zero gradients
        w.grad.zero_()
        b.grad.zero_()

    if (i + 1) % 5 == 0:
        print("loss = ", loss.data.numpy())
        if loss.item() < 0.5:
            print("Done!")
            break
