# source: https://www.tutorialspoint.com/how-to-compute-the-jacobian-of-a-given-function-in-pytorch — changes: Example 1 as given (the import line from its Steps section)
# Import the required libraries
import torch
from torch.autograd.functional import jacobian

# define a function
def func(x):
    return x**3 + 4*x -10

# define the inputs
input1 = torch.tensor([2.])
input2 = torch.tensor([2.,3.])
input3 = torch.tensor([2.,3.,4.])

# compute the jacobians
output1 = jacobian(func, input1)
output2 = jacobian(func, input2)
output3 = jacobian(func, input3)

# print the Jacobians calculated above
print("Jacobian Tensor:\n", output1)
print("Jacobian Tensor:\n", output2)
print("Jacobian Tensor:\n", output3)
