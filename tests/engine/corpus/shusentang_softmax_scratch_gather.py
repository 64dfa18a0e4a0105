# source: https://github.com/ShusenTang/Dive-into-DL-PyTorch/blob/master/code/chapter03_DL-basics/3.6_softmax-regression-scratch.ipynb (cells 5, 6, 9, 12, 15) — changes: np.random.normal replaced by torch.normal after torch.manual_seed(0), 784 inputs made 6; the Fashion-MNIST batch replaced by torch.rand(4, 6) and random labels; one loss and backward instead of train_ch3
import torch
torch.manual_seed(0)
num_inputs = 6
num_outputs = 10

W = torch.normal(0, 0.01, (num_inputs, num_outputs))
b = torch.zeros(num_outputs, dtype=torch.float)
W.requires_grad_(requires_grad=True)
b.requires_grad_(requires_grad=True)

def softmax(X):
    X_exp = X.exp()
    partition = X_exp.sum(dim=1, keepdim=True)
    return X_exp / partition  # 这里应用了广播机制

def net(X):
    return softmax(torch.mm(X.view((-1, num_inputs)), W) + b)

def cross_entropy(y_hat, y):
    return - torch.log(y_hat.gather(1, y.view(-1, 1)))

X = torch.rand(4, 6)
y = torch.randint(0, 10, (4,))
y_hat = net(X)
l = cross_entropy(y_hat, y).sum()
l.backward()
print(W.grad, b.grad)
