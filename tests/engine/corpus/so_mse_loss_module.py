# source: https://twelvescompany.co.uk/post/error-message-like-runtime-error-one-of-the-variables — changes: the forward and one backward, with a seed; the update and second pass removed
import torch
torch.manual_seed(0)
model = torch.nn.Linear(10, 1)
input_tensor = torch.randn(1, 10, requires_grad=True)
output = model(input_tensor)
loss = torch.mean((output - 1)**2)
loss.backward()
