# source: https://github.com/phlippe/uvadlc_notebooks/blob/master/docs/tutorial_notebooks/tutorial3/Activation_Functions.ipynb — changes: the activation classes' forward written as plain functions (the nn.Module classes are outside), get_grads as written, called on 11 points instead of plotted; the last two lines added so that a leaf of the script itself is compared
import torch

def sigmoid(x):
    return 1 / (1 + torch.exp(-x))

def tanh(x):
    x_exp, neg_x_exp = torch.exp(x), torch.exp(-x)
    return (x_exp - neg_x_exp) / (x_exp + neg_x_exp)

def relu(x):
    return x * (x > 0).float()

def leaky_relu(x, alpha=0.1):
    return torch.where(x > 0, x, alpha * x)

def elu(x):
    return torch.where(x > 0, x, torch.exp(x)-1)

def swish(x):
    return x * torch.sigmoid(x)

def get_grads(act_fn, x):
    """
    Computes the gradients of an activation function at specified positions.
    """
    x = x.clone().requires_grad_() # Mark the input as tensor for which we want to store gradients
    out = act_fn(x)
    out.sum().backward() # Summing results in an equal gradient flow to each element in x
    return x.grad # Accessing the gradients of x by "x.grad"

x = torch.linspace(-5, 5, 11) # Range on which we want to visualize the activation functions
for act_fn in [sigmoid, tanh, relu, leaky_relu, elu, swish]:
    y = act_fn(x)
    y_grads = get_grads(act_fn, x)
    print(y, y_grads)
x_leaf = x.clone().requires_grad_()
swish(x_leaf).sum().backward()
