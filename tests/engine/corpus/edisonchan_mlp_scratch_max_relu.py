# source: https://github.com/edisonchan1/nndlml (notebook "4.多层感知机", cells 16-19) — changes: 784/256/10 sizes made 8/5/3, np.random.normal replaced by torch.manual_seed(0) and torch.normal, the FashionMNIST batch replaced by torch.rand(4, 8) and random labels; one loss and backward instead of the training loop
import torch
torch.manual_seed(0)
num_inputs,num_outputs,num_hiddens = 8,3,5
W1 = torch.normal(0,0.01,(num_inputs,num_hiddens))
b1 = torch.zeros(num_hiddens,dtype=torch.float)
W2 = torch.normal(0,0.01,(num_hiddens,num_outputs))
b2 = torch.zeros(num_outputs,dtype=torch.float)

params = [W1,b1,W2,b2]
for param in params:
    param.requires_grad = True

def relu(X):
    return torch.max(input=X,other=torch.tensor(0.0)) #返回0和X中的最大值

def net(X):
    X = X.view((-1,num_inputs))
    H = relu(torch.mm(X,W1)+b1)
    return torch.mm(H,W2) +b2

loss = torch.nn.CrossEntropyLoss()
X = torch.rand(4, 8)
y = torch.randint(0, 3, (4,))
l = loss(net(X), y).sum()
l.backward()
print(W1.grad, b2.grad)
