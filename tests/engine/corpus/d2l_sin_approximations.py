# source: https://github.com/d2l-ai/d2l-en/blob/master/chapter_appendix-mathematics-for-deep-learning/single-variable-calculus.md — changes: d2l.plot removed; torch.pi defined as in the chapter; a leaf x0s and a backward of the sum of the approximations added
import torch
torch.pi = torch.acos(torch.zeros(1)).item() * 2  # Define pi in torch
xs = torch.arange(-torch.pi, torch.pi, 0.01)
plots = [torch.sin(xs)]
for x0 in [-1.5, 0.0, 2.0]:
    plots.append(torch.sin(torch.tensor(x0)) + (xs - x0) *
                 torch.cos(torch.tensor(x0)))
