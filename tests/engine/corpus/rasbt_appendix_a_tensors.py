# source: https://github.com/rasbt/LLMs-from-scratch/blob/main/appendix-A/01_main-chapter-code/code-part1.ipynb — changes: the code cells of A.2 pasted in order, without the NumPy arrays (another library); bare display lines kept
import torch

# create a 0D tensor (scalar) from a Python integer
tensor0d = torch.tensor(1)

# create a 1D tensor (vector) from a Python list
tensor1d = torch.tensor([1, 2, 3])

# create a 2D tensor from a nested Python list
tensor2d = torch.tensor([[1, 2], 
                         [3, 4]])

# create a 3D tensor from a nested Python list
tensor3d_1 = torch.tensor([[[1, 2], [3, 4]], 
                           [[5, 6], [7, 8]]])
tensor1d = torch.tensor([1, 2, 3])
print(tensor1d.dtype)
floatvec = torch.tensor([1.0, 2.0, 3.0])
print(floatvec.dtype)
floatvec = tensor1d.to(torch.float32)
print(floatvec.dtype)
tensor2d = torch.tensor([[1, 2, 3], 
                         [4, 5, 6]])
tensor2d
tensor2d.shape
tensor2d.reshape(3, 2)
tensor2d.view(3, 2)
tensor2d.T
tensor2d.matmul(tensor2d.T)
tensor2d @ tensor2d.T
