# source: https://github.com/udacity/deep-learning-v2-pytorch/blob/master/intro-to-pytorch/Part%203%20-%20Training%20Neural%20Networks%20(Solution).ipynb — changes: cells 21 and 22 joined; the MNIST batch (next(iter(trainloader))) replaced by random images and labels of the same shapes; torch.manual_seed(0) and the imports added
import torch
from torch import nn
torch.manual_seed(0)
images = torch.rand(64, 1, 28, 28)
labels = torch.randint(0, 10, (64,))
# Build a feed-forward network
model = nn.Sequential(nn.Linear(784, 128),
                      nn.ReLU(),
                      nn.Linear(128, 64),
                      nn.ReLU(),
                      nn.Linear(64, 10),
                      nn.LogSoftmax(dim=1))

criterion = nn.NLLLoss()
images = images.view(images.shape[0], -1)

logps = model(images)
loss = criterion(logps, labels)
print('Before backward pass: \n', model[0].weight.grad)

loss.backward()

print('After backward pass: \n', model[0].weight.grad)
W0 = model[0].weight
b2 = model[4].bias
