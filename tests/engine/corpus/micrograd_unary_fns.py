# source: https://github.com/karpathy/micrograd/blob/master/test/test_engine.py — changes: the torch half of test_unary_tensor_fns, its loop at top level for tanh and exp (micrograd's Value side removed)
import torch

for tensor_fn in [torch.Tensor.tanh, torch.Tensor.exp]:
    for x in [-1., .123, 2.]:
        xt = torch.Tensor([x]).double()
        xt.requires_grad = True
        yt = tensor_fn(xt)
        yt.backward()
        print(yt.data.item(), xt.grad.item())
