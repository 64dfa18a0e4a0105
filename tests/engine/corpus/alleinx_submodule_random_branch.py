# source: https://github.com/Alleinx/Notes/blob/master/AI/pytorch/DL_w_PyTorch/sub_module.py — changes: torch.rand() (which torch refuses without a size) written torch.rand(1); torch.manual_seed(0) added; a forward of torch.ones(4, 1) and a backward added; w = model.hidden_layer.weight added so its grad is compared
import torch
import torch.nn as nn
torch.manual_seed(0)

class SubclassModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden_layer = nn.Linear(1, 13)
        self.output_layer = nn.Linear(13, 1)

    def forward(self, input):
        h_t = self.hidden_layer(input)
        if torch.rand(1) > 0.5:
            h_t = torch.tanh(h_t)
        else:
            print('Unchanged here')
        y_t = self.output_layer(h_t)

        return y_t

if __name__ == "__main__":
    model = SubclassModel()
    print(model)
    model(torch.ones(4, 1)).sum().backward()
    w = model.hidden_layer.weight
