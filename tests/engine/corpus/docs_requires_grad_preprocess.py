# source: https://pytorch.org/docs/stable/generated/torch.Tensor.requires_grad_.html — changes: the example's >>> lines as a script; preprocess ("some function") defined as a standardisation
import torch

def preprocess(t):
    return (t - t.mean()) / t.std()

# Let's say we want to preprocess some saved weights and use
# the result as new weights.
saved_weights = [0.1, 0.2, 0.3, 0.25]
loaded_weights = torch.tensor(saved_weights)
weights = preprocess(loaded_weights)  # some function
weights

# Now, start to record operations done to weights
weights.requires_grad_()
out = weights.pow(2).sum()
out.backward()
weights.grad
