# source: https://e-com-net.com/article/1279942790742032384.htm (a copy of the PyTorch 0.4 migration guide's .data/.detach() example) — changes: the >>> lines as a script; the page's "c =" lost its right side, written as c = out.data as the guide has it
import torch
a = torch.tensor([1,2,3.], requires_grad = True)
out = a.sigmoid()
c = out.data
c.zero_()
out  # out  was modified by c.zero_()
out.sum().backward()
a.grad  # The result is very, very wrong because `out` changed!
