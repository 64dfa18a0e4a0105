# source: https://github.com/MeiqiGuo/PytorchLearningNotes/blob/master/NoGrad.ipynb — changes: notebook cells 1-13 joined; torch.manual_seed(0) added for the random values and layers
import torch
from torch import nn
torch.manual_seed(0)
# By default, a variable.requires_grad is False
x1 = torch.randn(2, 2)
print(x1.requires_grad)
x1
# Define a variabe with .requires_grad True
x2 = torch.randn(2, 2)
x2.requires_grad = True
x2
# define several models. by default their parameters have .requires_grad=Truw
lin0 = nn.Linear(2, 2)
lin1 = nn.Linear(2, 2)
lin2 = nn.Linear(2, 2)
vars(lin0)
x3 = lin0(x2)
x4 = lin1(x3)
x4.sum().backward()
print(lin0.weight.grad, lin1.weight.grad, lin2.weight.grad)
# Use torch.no_grad()
with torch.no_grad():
    x5 = lin2(x4)
    print(x4.requires_grad)
    print(lin2.weight.requires_grad)
    print(x5.requires_grad)
# The result shows that the input variable x4 is not changed, the parameters of model lin2 still have 
#.requires_grad=True. However, the output variable x5 has .requires_grad=False
# Notice that once the gradient tracking is cut-off by torch.no_grad(), you won't be able to backpropagate the 
# gradient to layers before the no_grad.
lin0 = nn.Linear(2, 2)
lin1 = nn.Linear(2, 2)
lin2 = nn.Linear(2, 2)
x3 = lin0(x2)
with torch.no_grad():
    x4 = lin1(x3)
x5 = lin2(x4)
x5.sum().backward()
print(lin0.weight.grad, lin1.weight.grad, lin2.weight.grad)
# Use .requires_grad to freeze some parameters of model. This is a very useful case if you want to use the output of
# a trained model as features for downstream task.
for param in lin1.parameters():
    param.requires_grad = False
print(vars(lin1))
# The output variable of a frozen model keeps the gradient tracking and you are able to backpropogate through it. 
# However, it doesn't affect the gradient. This is a good proprety that we want.
lin0 = nn.Linear(2, 2)
lin1 = nn.Linear(2, 2)
lin2 = nn.Linear(2, 2)
x3 = lin0(x2)
for param in lin1.parameters():
    param.requires_grad = False
x4 = lin1(x3)
x5 = lin2(x4)
x5.sum().backward()
print(lin0.weight.grad, lin1.weight.grad, lin2.weight.grad)
lin0 = nn.Linear(2, 2)
nonlin0 = nn.ReLU()
lin1 = nn.Linear(2, 2)
lin2 = nn.Linear(2, 2)
x2 = lin0(x1)
x3 = nonlin0(x2)
for param in lin1.parameters():
    param.requires_grad = False
x4 = lin1(x3)
x5 = lin2(x4)
print(x2)
print(x3)
print(x4)
print(x5)
# Since lin1 .requires_grad = False, if the input variable doesn't require grad, then the output neither; 
# otherwise, the output has requires_grad=True
x0 = torch.randn(2,2)
x1= lin1(x0)
x2 = lin2(x0)
print(x0.requires_grad)
print(x1.requires_grad)
print(x2.requires_grad)
# Use .detach() to get x2 without grad and the whole computing graph stays same.
lin0 = nn.Linear(2, 2)
lin1 = nn.Linear(2, 2)
x1 = torch.randn(2, 2)
x2 = lin0(x1)
x3 = lin1(x2)
output = x2.detach()
print(x2)
print(output)
print(x3)
# You can use output as part of other graphs.
x4 = lin1(output)
x4.sum().backward()
print(lin0.weight.grad, lin1.weight.grad)
# The backward of this new graph doesn't affect the initial graph. That's why lin0.weight.grad is None.
