# source: https://github.com/BoboSamson/BoboSamson (activation gradients notebook, cell 1) — changes: none
import torch
import torch.nn.functional as F


torch.manual_seed(44)
# Define input tensor
x_in = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
error_grad = torch.tensor([1.0, 1.0, 1.0])  # Example gradient of loss w.r.t output

# Sigmoid
sigmoid_out = torch.sigmoid(x_in)
sigmoid_out.backward(error_grad, retain_graph=True)
sigmoid_grad = x_in.grad.clone()
x_in.grad.zero_()  # Reset gradient

# Tanh
tanh_out = torch.tanh(x_in)
tanh_out.backward(error_grad, retain_graph=True)
tanh_grad = x_in.grad.clone()
x_in.grad.zero_()

# ReLU
relu_out = F.relu(x_in)
relu_out.backward(error_grad, retain_graph=True)
relu_grad = x_in.grad.clone()

# Print results
print("Sigmoid Gradient:\n", sigmoid_grad)
print("Tanh Gradient:\n", tanh_grad)
print("ReLU Gradient:\n", relu_grad)
