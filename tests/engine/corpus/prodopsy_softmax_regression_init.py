# source: https://prodopsy.com/how-can-the-backward-function-in-tensor-influence-the-matrix-in-model ("Example Code (Corrected Initialization)") — changes: the garbled `num_classesлений>` read as num_classes; forward, a step on 8 random rows of 4 features and 3 classes (torch.manual_seed(0)) and the grad print written as the post describes
import torch
import torch.nn.functional as F
class SoftmaxRegression(torch.nn.Module):
    def __init__(self, num_features: int, num_classes: int):
        super().__init__()
        self.linear = torch.nn.Linear(num_features, num_classes)
        # PROPER INITIALIZATION - maintain graph connection
        with torch.no_grad():
            self.linear.weight.zero_()
            self.linear.bias.zero_()
    def forward(self, x):
        logits = self.linear(x)
        probas = F.softmax(logits, dim=1)
        return logits, probas
torch.manual_seed(0)
model = SoftmaxRegression(num_features=4, num_classes=3)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
features = torch.randn(8, 4)
targets = torch.randint(0, 3, (8,))
logits, probas = model(features)
cost = F.cross_entropy(logits, targets)
optimizer.zero_grad()
cost.backward()
optimizer.step()
print(model.linear.weight.grad, model.linear.bias.grad)
print(model.linear.weight)
