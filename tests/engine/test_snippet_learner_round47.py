"""Forms met in unseen learner code, each against plain torch in a subprocess: a layer's
reset_parameters copied from nn.Linear, with torch.nn.init._calculate_fan_in_and_fan_out; a
module's _parameters dict; an operator's method called by name (x.__pow__(2),
x.__rmul__(3)); a loss module called with input= and target=, and without its target
(torch's TypeError); torch.FloatTensor(w) of a float tensor, which is w itself with its graph
(torch's alias), and of a double tensor, torch's TypeError; a training step inside a helper
function, its caller's names (a number held as a node, the loss) kept as torch keeps them;
Hessian rows of autograd.grad answers stacked and joined by torch.stack and torch.cat (it
raised an internal TypeError about the answers)."""

from __future__ import annotations

from typing import Any

from snippet_agreement import agreement_tests

SNIPPETS = {
    'a_layer_initialised_as_nn_linear_with_its_fan_in': """import math
import torch
torch.manual_seed(0)
class MyLinear(torch.nn.Module):
    def __init__(self, n_in, n_out):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.empty(n_out, n_in))
        self.bias = torch.nn.Parameter(torch.empty(n_out))
        torch.nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        fan_in, fan_out = torch.nn.init._calculate_fan_in_and_fan_out(self.weight)
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
        torch.nn.init.uniform_(self.bias, -bound, bound)
        print(fan_in, fan_out)
    def forward(self, x):
        return x @ self.weight.t() + self.bias
layer = MyLinear(3, 2)
x = torch.randn(4, 3)
loss = torch.nn.MSELoss()(input=layer(x), target=torch.zeros(4, 2))
loss.backward()
print(layer.bias, layer.weight.grad)
""",
    'a_models_own_parameters_dict': """import torch
import torch.nn as nn
class Scale(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.tensor([2.0, -1.0]))
        self.fc = nn.Linear(2, 1)
    def forward(self, x):
        return self.fc(x * self.w)
torch.manual_seed(0)
net = Scale()
print(list(net._parameters), list(net.fc._parameters))
loss = net(torch.tensor([[1.0, 3.0]])).sum() + (net._parameters["w"] ** 2).sum()
loss.backward()
print(net.w.grad, net.fc._parameters["bias"].grad)
""",
    'operator_methods_called_by_name': """import torch
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = x.__pow__(2) + x.__rmul__(3) + x.__rsub__(1) + x.__truediv__(2)
y.sum().backward()
print(y, x.grad)
""",
    'a_loss_module_called_with_keywords': """import torch
import torch.nn as nn
torch.manual_seed(0)
model = nn.Linear(2, 1)
x = torch.randn(5, 2)
y = torch.randn(5, 1)
criterion = nn.MSELoss()
loss = criterion(input=model(x), target=y) + nn.L1Loss()(model(x), target=y)
loss.backward()
print(model.weight.grad)
""",
    'a_loss_module_missing_its_target': """import torch
loss = torch.nn.MSELoss()(input=torch.zeros(2, requires_grad=True))
""",
    'float_tensor_of_a_weight_is_the_weight': """import torch
w = torch.ones(2,1, requires_grad=True)
v = torch.FloatTensor(w)
print(v.requires_grad, v.is_leaf)
X = torch.ones(3,2)
X.mm(v).sum().backward()
print(w.grad)
for i in range(2):
    y = X.mm(torch.FloatTensor(w)).sum()
    w.grad.zero_()
    y.backward()
    w.data -= 0.1 * w.grad
print(w)
""",
    'a_step_inside_a_helper_function': """import torch
torch.manual_seed(0)
X = torch.randn(4, 3)
y = X.sum(1, keepdim=True)
def sgd(params, lr):
    for param in params:
        param.data -= lr * param.grad
def fit(lam):
    w = torch.randn((3, 1), requires_grad=True)
    for epoch in range(3):
        l = ((X.mm(torch.FloatTensor(w)) - y) ** 2).sum() + lam * (w ** 2).sum() / 2
        if w.grad is not None:
            w.grad.data.zero_()
        l.backward()
        sgd([w], 0.01)
        print(epoch, l.item())
    print(w)
fit(lam=3)
""",
    'float_tensor_of_a_double_tensor': """import torch
w = torch.ones(2, dtype=torch.float64, requires_grad=True)
v = torch.FloatTensor(w)
""",
    'hessian_rows_stacked_from_grad_answers': """import torch
x = torch.tensor([3.0, -1.0, 0.0, 1.0], requires_grad=True)
f = (x[0] + 10*x[1])**2 + 5*(x[2] - x[3])**2 + (x[1] + 2*x[2])**4 + 10*(x[0] - x[3])**4
g = torch.autograd.grad(f, x, retain_graph=True, create_graph=True)
eye = torch.eye(4)
H = torch.stack([torch.autograd.grad(g, x, eye[:, i], retain_graph=True)[0] for i in range(4)])
print("Hessian:", H)
rows = torch.cat([torch.autograd.grad(g, x, eye[:, i], retain_graph=True)[0] for i in (0, 3)])
print(rows)
""",
}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    assert reference["a_layer_initialised_as_nn_linear_with_its_fan_in"]["stdout"].startswith(
        "3 2\n")
    assert reference["a_models_own_parameters_dict"]["stdout"].startswith(
        "['w'] ['weight', 'bias']")
    # d/dx of x² + 3x + (1 − x) + x/2 = 2x + 2.5
    assert reference["operator_methods_called_by_name"]["grads"]["x"] == [4.5, 6.5, 8.5]
    assert reference["a_loss_module_missing_its_target"]["error"] == {
        "type": "TypeError",
        "message": "MSELoss.forward() missing 1 required positional argument: 'target'"}
    assert reference["float_tensor_of_a_weight_is_the_weight"]["grads"]["w"] == [[3.0], [3.0]]
    assert reference["float_tensor_of_a_double_tensor"]["error"]["message"].startswith(
        "expected TensorOptions(dtype=float")
    assert reference["a_step_inside_a_helper_function"]["stdout"].startswith("0 11.04878")
    assert "[-480.,    0.,  -10.,  490.]" in reference[
        "hessian_rows_stacked_from_grad_answers"]["stdout"]
