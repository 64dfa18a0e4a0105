# source: https://github.com/udacity/deep-learning-v2-pytorch/blob/master/intro-to-pytorch/Part%201%20-%20Tensors%20in%20PyTorch%20(Solution).ipynb — changes: cells 3, 4, 5, 7 and 9 joined; weights given requires_grad via randn_like(..., requires_grad=True) and a backward() of the last y added
import torch
def activation(x):
    """ Sigmoid activation function 
    
        Arguments
        ---------
        x: torch.Tensor
    """
    return 1/(1+torch.exp(-x))
### Generate some data
torch.manual_seed(7) # Set the random seed so things are predictable

# Features are 5 random normal variables
features = torch.randn((1, 5))
# True weights for our data, random normal variables again
weights = torch.randn_like(features, requires_grad=True)
# and a true bias term
bias = torch.randn((1, 1))
y = activation(torch.sum(features * weights) + bias)
y = activation((features * weights).sum() + bias)
y = activation(torch.mm(features, weights.view(5,1)) + bias)
y.backward()
