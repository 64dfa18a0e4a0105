# source: https://e-com-net.com/article/1279942790742032384.htm (a copy of the PyTorch 0.4 migration guide's .data/.detach() example) — changes: the >>> lines as a script
import torch
a = torch.tensor([1,2,3.], requires_grad = True)
out = a.sigmoid()
c = out.detach()
c.zero_()
out  # modified by c.zero_() !!
out.sum().backward()  # Requires the original value of out, but that was overwritten by c.zero_()
