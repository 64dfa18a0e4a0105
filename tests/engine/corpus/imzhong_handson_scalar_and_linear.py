# source: https://github.com/im-zhong/MachineLearningYSU2025 (PyTorch Autograd: Hands-on Guide notebook, cells 1-3) — changes: the first three code cells in order as one script
import torch
torch.manual_seed(0)
print('torch version:', torch.__version__)
print('device:', 'cuda' if torch.cuda.is_available() else 'cpu')

x = torch.tensor(3.0, requires_grad=True)
y = x**2 + 2 * x + 1
print('y value:', y.item())

y.backward()  # populates x.grad
print('dy/dx at x=3:', x.grad.item())

# 然后可以再给同学们看一看Linear modal里面的parameters，在一个step之后，梯度的变化。这样很直观

w = torch.randn(2, 1, requires_grad=True)
b = torch.zeros(1, requires_grad=True)

X = torch.tensor([[1.0, 2.0],
                  [3.0, 4.0]])
y_true = torch.tensor([[1.0],
                       [2.0]])

y_pred = X @ w + b  # matrix multiply + bias broadcast
loss = ((y_pred - y_true) ** 2).mean()
print('loss:', loss.item())

loss.backward()
print('w.grad shape:', w.grad.shape)
print('b.grad shape:', b.grad.shape)
