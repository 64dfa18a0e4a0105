# source: https://github.com/d2l-ai/d2l-en/blob/master/chapter_appendix-mathematics-for-deep-learning/single-variable-calculus.md — changes: d2l.plot removed; xs made a leaf and a backward of P5.sum() added
import torch
xs = torch.arange(0, 3, 0.01, requires_grad=True)
ys = torch.exp(xs)
P1 = 1 + xs
P2 = 1 + xs + xs**2 / 2
P5 = 1 + xs + xs**2 / 2 + xs**3 / 6 + xs**4 / 24 + xs**5 / 120
P5.sum().backward()
