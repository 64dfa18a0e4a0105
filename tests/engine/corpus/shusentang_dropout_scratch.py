# source: https://github.com/ShusenTang/Dive-into-DL-PyTorch/blob/master/code/chapter03_DL-basics/3.13_dropout.ipynb (cells 1, 5, 6) — changes: np.random.normal replaced by torch.normal(...).requires_grad_() after torch.manual_seed(0); 784/256/256 sizes made 6/5/4; the Fashion-MNIST batch replaced by torch.rand(3, 6) and random labels; one loss and backward instead of train_ch3
import torch
import torch.nn as nn
torch.manual_seed(0)

def dropout(X, drop_prob):
    X = X.float()
    assert 0 <= drop_prob <= 1
    keep_prob = 1 - drop_prob
    # 这种情况下把全部元素都丢弃
    if keep_prob == 0:
        return torch.zeros_like(X)
    mask = (torch.rand(X.shape) < keep_prob).float()

    return mask * X / keep_prob

num_inputs, num_outputs, num_hiddens1, num_hiddens2 = 6, 10, 5, 4

W1 = torch.normal(0, 0.01, size=(num_inputs, num_hiddens1)).requires_grad_()
b1 = torch.zeros(num_hiddens1, requires_grad=True)
W2 = torch.normal(0, 0.01, size=(num_hiddens1, num_hiddens2)).requires_grad_()
b2 = torch.zeros(num_hiddens2, requires_grad=True)
W3 = torch.normal(0, 0.01, size=(num_hiddens2, num_outputs)).requires_grad_()
b3 = torch.zeros(num_outputs, requires_grad=True)

params = [W1, b1, W2, b2, W3, b3]
drop_prob1, drop_prob2 = 0.2, 0.5

def net(X, is_training=True):
    X = X.view(-1, num_inputs)
    H1 = (torch.matmul(X, W1) + b1).relu()
    if is_training:  # 只在训练模型时使用丢弃法
        H1 = dropout(H1, drop_prob1)  # 在第一层全连接后添加丢弃层
    H2 = (torch.matmul(H1, W2) + b2).relu()
    if is_training:
        H2 = dropout(H2, drop_prob2)  # 在第二层全连接后添加丢弃层
    return torch.matmul(H2, W3) + b3

loss = torch.nn.CrossEntropyLoss()
X = torch.rand(3, 6)
y = torch.randint(0, 10, (3,))
l = loss(net(X), y).sum()
l.backward()
