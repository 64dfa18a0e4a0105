# source: https://crackedaicode.com/problems/compute-jacobian — changes: the problem's f(x) = [x1*x2, x1+x2^2] written as a learner's solution with a lambda and a tuple of outputs, then checked against a backward through the same f
import torch

x = torch.tensor([3.0, 2.0], requires_grad=True)
f = lambda x: (x[0] * x[1], x[0] + x[1] ** 2)
J = torch.autograd.functional.jacobian(f, x)
print(J)
print(x.grad)  # jacobian leaves .grad alone: None

y1, y2 = f(x)
(y1 + y2).backward()
print(x.grad)  # the sum of J's rows
