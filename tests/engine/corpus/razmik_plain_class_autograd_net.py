# source: https://github.com/razmikmelikbekyan/ML-playground/blob/master/PyTorch/nn_auto_grad.py — changes: the class and its __main__ check kept up to the loss, a loss.backward() added (the first line of its sgd_step); torch.manual_seed(0) added; w1 = model.w_1 added so its grad is compared
import torch
import torch.nn.functional as F
torch.manual_seed(0)


class NeuralNetwork:
    def __init__(self, input_size: int, hidden_size: int, output_size: int, dtype: torch.dtype):
        self.w_1 = torch.randn(input_size, hidden_size, dtype=dtype) * 0.01
        self.w_2 = torch.randn(hidden_size, output_size, dtype=dtype) * 0.01

        self.w_1.requires_grad = True
        self.w_2.requires_grad = True

    def forward(self, x: torch.Tensor):
        z_1 = torch.sigmoid(torch.matmul(x, self.w_1))
        z_2 = F.log_softmax(torch.matmul(z_1, self.w_2), dim=1)
        return z_2

    def loss(self, x: torch.Tensor, label: torch.Tensor):
        log_prediction = self.forward(x)
        return -torch.sum(label * log_prediction)


dtype = torch.float32
model = NeuralNetwork(10, 20, 3, dtype)

x = torch.arange(10, dtype=dtype).view(1, 10)
label = torch.tensor([0, 0, 1.], dtype=dtype).reshape(1, 3)

log_pred = model.forward(x)
pred = torch.exp(log_pred)

assert pred.shape == label.shape == (1, 3)
assert abs(torch.sum(pred).detach().item() - 1.) < 1e-6

loss = model.loss(x, label)
assert torch.equal(loss, -log_pred[0, 2])
loss.backward()
w1 = model.w_1
