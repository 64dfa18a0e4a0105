# source: https://github.com/gongchang/ML_DL_Stats_Tutorials — changes: cell 16
import torch
x = torch.tensor([2., 5.], requires_grad=True)
print('x:', x)
y = 2*x**2
print('y:', y)
gradient_value = [1.0, 0.1]
y.backward(torch.tensor(gradient_value))
print('x.grad:', x.grad)
