# source: https://github.com/ElijahCoding/Pytorch-DeepLearning (gradients notebook, cells 1-17) — changes: the code cells in order as one script (bare display lines kept)
import torch

x = torch.tensor(2.0, requires_grad=True)

y = 2*x**4 + x**3 + 3*x**2 + 5*x + 1

y

type(y)

y.backward()

x.grad

x = torch.tensor([
    [1., 2., 3.],
    [3., 2., 1.]
], requires_grad=True)

x

y = 3*x + 2

y

z = 2*y**2

z

out = z.mean()

out

out.backward()

x.grad
