# source: https://pytorch.org/tutorials/beginner/blitz/autograd_tutorial.html (Q example rewritten as a learner would) — changes: tuple assignment and += added
import torch
a, b = torch.tensor([2., 3.], requires_grad=True), torch.tensor([6., 4.], requires_grad=True)
Q = 3*a**3
Q -= b**2
Q *= 1.0
Q.backward(gradient=torch.tensor([1., 1.]))
