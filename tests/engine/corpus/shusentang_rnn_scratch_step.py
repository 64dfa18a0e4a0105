# source: https://github.com/ShusenTang/Dive-into-DL-PyTorch/blob/master/code/chapter06_RNN/6.4_rnn-scratch.ipynb (cells 4, 5, 7, 9, 10, 11, 16) — changes: vocab_size 1027 made 7 and 256 hiddens made 5; np.random.normal replaced by torch.normal after torch.manual_seed(0); the lyrics batch replaced by torch.arange(10).view(2, 5) (as cell 5) with its next characters as labels; one loss, backward and grad_clipping instead of the training loop; the device kept as cpu
import torch
from torch import nn
torch.manual_seed(0)
device = torch.device('cpu')
vocab_size = 10

def one_hot(x, n_class, dtype=torch.float32):
    # X shape: (batch), output shape: (batch, n_class)
    x = x.long()
    res = torch.zeros(x.shape[0], n_class, dtype=dtype, device=x.device)
    res.scatter_(1, x.view(-1, 1), 1)
    return res

def to_onehot(X, n_class):
    # X shape: (batch, seq_len), output: seq_len elements of (batch, n_class)
    return [one_hot(X[:, i], n_class) for i in range(X.shape[1])]

num_inputs, num_hiddens, num_outputs = vocab_size, 5, vocab_size

def get_params():
    def _one(shape):
        ts = torch.normal(0, 0.01, size=shape)
        return torch.nn.Parameter(ts, requires_grad=True)

    # 隐藏层参数
    W_xh = _one((num_inputs, num_hiddens))
    W_hh = _one((num_hiddens, num_hiddens))
    b_h = torch.nn.Parameter(torch.zeros(num_hiddens, device=device, requires_grad=True))
    # 输出层参数
    W_hq = _one((num_hiddens, num_outputs))
    b_q = torch.nn.Parameter(torch.zeros(num_outputs, device=device, requires_grad=True))
    return nn.ParameterList([W_xh, W_hh, b_h, W_hq, b_q])

def init_rnn_state(batch_size, num_hiddens, device):
    return (torch.zeros((batch_size, num_hiddens), device=device), )

def rnn(inputs, state, params):
    W_xh, W_hh, b_h, W_hq, b_q = params
    H, = state
    outputs = []
    for X in inputs:
        H = torch.tanh(torch.matmul(X, W_xh) + torch.matmul(H, W_hh) + b_h)
        Y = torch.matmul(H, W_hq) + b_q
        outputs.append(Y)
    return outputs, (H,)

X = torch.arange(10).view(2, 5)
Y = (X + 1) % vocab_size
state = init_rnn_state(X.shape[0], num_hiddens, device)
inputs = to_onehot(X.to(device), vocab_size)
params = get_params()
outputs, state_new = rnn(inputs, state, params)
print(len(outputs), outputs[0].shape, state_new[0].shape)
loss = nn.CrossEntropyLoss()
outputs = torch.cat(outputs, dim=0)
y = torch.transpose(Y, 0, 1).contiguous().view(-1)
l = loss(outputs, y.long())
l.backward()
W_xh = params[0]
W_hq = params[3]
print(W_xh.grad.norm(), W_hq.grad.norm())
