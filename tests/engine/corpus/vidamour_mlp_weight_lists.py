# source: https://github.com/ianvidamour/ReinforcementLearningGuestLecture/blob/main/Automatic%20Differentiation.ipynb (cells 24, 26, 28) — changes: 10000 inputs made 16 and the [3, 50, 50, 1] net made [3, 4, 4, 1]; torch.manual_seed(0) added; one loss and backward instead of the Adam training loop; w0 = model.weights[0] and b2 = model.biases[2] added so their grads are compared
import numpy as np
import torch
import torch.nn as nn
import torch.optim as optim
torch.manual_seed(0)

class MLP(nn.Module):
    def __init__(self, NetShape, act_fn=nn.Tanh()):
        super(MLP, self).__init__()
        # Find number of layers in the network
        self.Nlayers = len(NetShape)-1
        # Initialise lists to store weights and biases
        self.weights = []
        self.biases = []
        for layer in range(self.Nlayers):
            self.weights.append(torch.rand((NetShape[layer], NetShape[layer+1]), requires_grad=True))
            self.biases.append(torch.zeros((NetShape[layer+1]), requires_grad=True))
        # Define an activation function for nodes in the network
        self.act_fn = act_fn

    # Define a forward pass through our model
    def forward(self, x):
        # Pass through each layer of the model
        for layer in range(self.Nlayers):
            if layer < self.Nlayers-1:
                x = self.act_fn(torch.matmul(x, self.weights[layer])+self.biases[layer])
            else:
                x = torch.matmul(x, self.weights[layer])+self.biases[layer]
        return x

# Define a simple function to fit
f = lambda x: torch.sqrt((x[:, [0]]/x[:, [1]])) * torch.sin(x[:, [0]]*x[:, [1]]) * torch.exp(x[:, [2]])

# Generate a random input set
inputs = torch.rand((16,3))

# Generate targets from function
targets = f(inputs)

model = MLP([3, 4, 4, 1], act_fn=nn.Sigmoid())
lossfn = nn.MSELoss()
loss = lossfn(model(inputs), targets)
loss.backward()
w0 = model.weights[0]
b2 = model.biases[2]
