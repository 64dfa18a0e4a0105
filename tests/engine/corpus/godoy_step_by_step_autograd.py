# source: https://yumpu.com/en/document/view/68632516/daniel-voigt-godoy-deep-learning-with-pytorch-step-by-step-a-beginners-guide-leanpub/113 (Deep Learning with PyTorch Step-by-Step, "Autograd" section) — changes: the book's synthetic numpy data (true_b=1, true_w=2, 80 training points) made with torch; device fixed to cpu; the step-1-to-3 cell run twice to show the accumulation the page describes
import torch
device = 'cpu'
torch.manual_seed(42)
true_b = 1
true_w = 2
N = 80
x_train_tensor = torch.rand(N, 1)
y_train_tensor = true_b + true_w * x_train_tensor + .1 * torch.randn(N, 1)

b = torch.randn(1, requires_grad=True, dtype=torch.float, device=device)
w = torch.randn(1, requires_grad=True, dtype=torch.float, device=device)

# Step 1 - Computes our model's predicted output - forward pass
yhat = b + w * x_train_tensor
# Step 2 - Computes the loss
error = (yhat - y_train_tensor)
loss = (error ** 2).mean()
# Step 3 - Computes gradients for both "b" and "w" parameters
loss.backward()

print(error.requires_grad, yhat.requires_grad, \
      b.requires_grad, w.requires_grad)
print(y_train_tensor.requires_grad, x_train_tensor.requires_grad)
print(b.grad, w.grad)

yhat = b + w * x_train_tensor
error = (yhat - y_train_tensor)
loss = (error ** 2).mean()
loss.backward()
print(b.grad, w.grad)
