# source: https://github.com/Alsanad-Opium/deep-learning-pytorch — changes: the Autograd cells 38-48 as one script (bare display lines kept); torch.manual_seed(0) added
import torch
a = torch.tensor(3.0, requires_grad= True) # leaf tensor
b = a**2
a 
b
b.backward()   #backward() computes gradients using backpropagation,
a.grad   # and .grad stores the gradient of the output with respect to a leaf tensor.
### Example Number 2 
torch.manual_seed(0)
x = torch.randn((4,4), requires_grad = True)
y = x+ 32
z =( y**2 /3)
# z =( y**2 /3).mean() this  will give you a scalar output and  is most used un training neural networks as the grad
# ient values are small and easier to work with
z.backward(torch.ones_like(z))
# z.backward() used this when z is scalar ie herer using the mean method
 # when the output is not a scalar, we need to provide the gradient argument
x.grad
