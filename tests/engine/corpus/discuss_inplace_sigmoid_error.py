# source: https://www.yongfengli.tk/2018/04/13/inplace-operation-in-pytorch.html — changes: the post's rule ("output needs to not change in computing gradient: sigmoid") as the smallest script; torch.manual_seed(0) added
import torch
torch.manual_seed(0)
x = torch.randn(10, 1, requires_grad=True)
y = torch.sigmoid(x)
y += 1 #inpalce operation
y.sum().backward()
