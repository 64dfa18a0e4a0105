# source: https://github.com/d2l-ai/d2l-zh/blob/master/chapter_linear-networks/linear-regression-scratch.md — changes: the PyTorch cells with d2l.* written as torch calls; torch.manual_seed(0) added; 100 examples; the data iterator, the scatter plot and the training loop replaced by the first 10 examples and one backward of the loss
import torch

torch.manual_seed(0)

def synthetic_data(w, b, num_examples):  #@save
    """生成y=Xw+b+噪声"""
    X = torch.normal(0, 1, (num_examples, len(w)))
    y = torch.matmul(X, w) + b
    y += torch.normal(0, 0.01, y.shape)
    return X, y.reshape((-1, 1))

true_w = torch.tensor([2, -3.4])
true_b = 4.2
features, labels = synthetic_data(true_w, true_b, 100)

print('features:', features[0],'\nlabel:', labels[0])

batch_size = 10
X, y = features[:batch_size], labels[:batch_size]

w = torch.normal(0, 0.01, size=(2,1), requires_grad=True)
b = torch.zeros(1, requires_grad=True)

def linreg(X, w, b):  #@save
    """线性回归模型"""
    return torch.matmul(X, w) + b

def squared_loss(y_hat, y):  #@save
    """均方损失"""
    return (y_hat - torch.reshape(y, y_hat.shape)) ** 2 / 2

lr = 0.03
net = linreg
loss = squared_loss

l = loss(net(X, w, b), y)  # X和y的小批量损失
l.sum().backward()
print(w.grad, b.grad)
