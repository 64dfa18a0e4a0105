# source: https://github.com/grant-mcclure/Python-Practise (gradients notebook, cells 22-32) — changes: none
import torch
x = torch.tensor([3.0], dtype=torch.float32, requires_grad=True) #creates a tensor of value 3.0 that is a float, and sets that it requires grad
y = x**2 + 4 #formula
y.backward()
print("Gradient x: ", x.grad)
x = torch.tensor(3.0)
y = torch.tensor(7.0)

x.requires_grad_(True) #another way of saying that a tensor requires a gradient
y.requires_grad_(True)
z = x**y

z.backward() #computes derivatibe of z

print("Gradient x: ", x.grad)
print("Gradient y: ", y.grad)
m = torch.tensor(2.0, dtype=torch.float32, requires_grad=True)
x = torch.tensor(4.0, dtype=torch.float32, requires_grad=True)
b = torch.tensor(7.0, dtype=torch.float32, requires_grad=True)
x = x.detach() #no longer requires gradient for x 
y = m*x +b #set eqn
y.backward() #calculate partial derivatives, no gradient attached to x therefore only values associated with m and b
print("Gradient m: ", m.grad) #1*4
print("Gradient x: ", x.grad)
print("Gradient b: ", b.grad) #1*b^0
