"""Forms met in unseen learner code, each against plain torch in a subprocess: gradcheck of
an expanded input (one number seen through stride 0, made a leaf or still computed), where
torch's check refuses the input before computing anything; torch.nn's classes imported from
the files of torch.nn.modules where they are defined (container, module, conv, dropout); a
line fitted by gradients written by hand over 500 passes with no requires_grad, whose
document keeps its latest passes only (numbers without gradient history become constants);
writes into places of a .grad after backward (`w.grad[1, 2] = 0`, `w.grad[idx] = 0` with
idx a tuple, `w.grad[1][2] = 0`, a mask, in a training loop before the step, inside a
module's backward hook), which the document showed unwritten; a tuple held by a name as an
index (`t[idx]`), which was read as a list of indices into the first dim; a weight's
`.data[1][0] = 0.0` written through a view of a view; random_split imported from
torch.utils.data.dataset."""

from __future__ import annotations

from typing import Any

from snippet_agreement import agreement_tests

from engine.snippets.reader import import_snippet
from engine.snippets.unheld_nodes import FROZEN_AT

SNIPPETS = {
    'gradcheck_of_an_expanded_leaf': """import torch
from torch.autograd import gradcheck
mat = torch.randn(2, 2, dtype=torch.float64)
vec = torch.randn(1, dtype=torch.float64).expand(2).requires_grad_(True)

def fn(vec):
    return (mat @ vec).sum()

gradcheck(fn, (vec,))
""",
    'gradcheck_of_an_expanded_computed_input': """import torch
from torch.autograd import gradcheck
w = torch.randn(1, dtype=torch.float64, requires_grad=True)
v = w.expand(3)
print(gradcheck(lambda t: (t * t).sum(), (v,)))
""",
    'gradcheck_of_an_expanded_input_made_contiguous': """import torch
from torch.autograd import gradcheck
vec = torch.randn(1, dtype=torch.float64).expand(2).contiguous().requires_grad_(True)
print(gradcheck(lambda t: (t * t).sum(), (vec,)))
""",
    'nn_classes_imported_from_their_own_files': """import torch
from torch.nn.modules.container import Sequential
from torch.nn.modules.module import Module
from torch.nn.modules.conv import Conv1d
from torch.nn.modules.dropout import Dropout
torch.manual_seed(0)
class Net(Module):
    def __init__(self):
        super().__init__()
        self.body = Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), Dropout(0.0),
                               torch.nn.Linear(4, 1))
        self.conv = Conv1d(1, 1, 2)
    def forward(self, x):
        return self.body(x) + self.conv(x.unsqueeze(1)).sum()
net = Net()
x = torch.randn(2, 3)
net(x).sum().backward()
print(net.body[0].weight.grad, net.conv.weight.grad)
""",
    # the book "Deep Learning with PyTorch", chapter 5: each pass's numbers are computed
    # from the last pass's, so without freezing the document held every pass (13,000 nodes)
    'a_line_fitted_by_hand_over_500_passes': """import torch
t_c = torch.tensor([0.5, 14.0, 15.0, 28.0, 11.0, 8.0, 3.0, -4.0, 6.0, 13.0, 21.0])
t_u = torch.tensor([35.7, 55.9, 58.2, 81.9, 56.3, 48.9, 33.9, 21.8, 48.4, 60.4, 68.4]) * 0.1
def model(t_u, w, b):
    return w * t_u + b
def grad_fn(t_u, t_c, t_p):
    dloss_dtp = 2 * (t_p - t_c) / t_p.size(0)
    return torch.stack([(dloss_dtp * t_u).sum(), dloss_dtp.sum()])
def training_loop(n_epochs, learning_rate, params):
    for epoch in range(1, n_epochs + 1):
        w, b = params
        t_p = model(t_u, w, b)
        loss = ((t_p - t_c) ** 2).mean()
        params = params - learning_rate * grad_fn(t_u, t_c, t_p)
        if epoch % 100 == 0:
            print(epoch, float(loss))
    return params
params = training_loop(500, 1e-2, torch.tensor([1.0, 0.0]))
w = params.clone().requires_grad_()
((model(t_u, w[0], w[1]) - t_c) ** 2).mean().backward()
print(params, w.grad)
""",
    'places_of_a_grad_written_after_backward': """import torch
idx = (1, 2)
w = torch.ones(2, 3, requires_grad=True)
(w * 2).sum().backward()
w.grad[0, 0] = 0
w.grad[idx] = 5
w.grad.data[(0, 1)] = 7
w.grad[1][0] = -1
w.grad[w.grad == 2] = 0.5
print(w.grad)
""",
    'a_tuple_named_as_an_index': """import torch
t = torch.arange(6.).reshape(2, 3)
idx = (1, 2)
print(t[idx])
t[idx] = 50
x = torch.ones(2, 3, requires_grad=True)
(x * t).sum().backward()
print(x.grad, x[idx])
""",
    'weights_frozen_by_hand_between_backward_and_step': """import torch
torch.manual_seed(0)
lin = torch.nn.Linear(3, 2)
opt = torch.optim.SGD(lin.parameters(), lr=0.1)
x = torch.randn(5, 3)
y = torch.randn(5, 2)
mask = torch.zeros(2, 3, dtype=torch.bool)
mask[0, 1] = True
for epoch in range(3):
    opt.zero_grad()
    loss = ((lin(x) - y) ** 2).mean()
    loss.backward()
    lin.weight.grad[mask] = 0
    lin.bias.grad[1] = 0.0
    opt.step()
    print(epoch, loss.item())
print(lin.weight, lin.bias)
""",
    'a_place_of_a_none_grad_written': """import torch
w = torch.ones(2, 3, requires_grad=True)
v = torch.ones(3, requires_grad=True)
(v * 2).sum().backward()
w.grad[0] = 1
""",
    # Stack Overflow 69801287: a module's backward hook zeroes one weight's gradient; a
    # second hook registered and removed at once
    'a_module_hook_writing_into_its_weight_grad': """import torch
import torch.nn as nn
torch.manual_seed(0)

def freeze_single(index):
    def callback(module, grad_input, grad_output):
        module.weight.grad.data[index] = 0
    return callback

conv = nn.Conv2d(3, 1, 3)
conv.weight.data[0, 1, 2, 1] = 1
conv.register_full_backward_hook(freeze_single((0, 1, 2, 1)))
x = torch.rand(1, 3, 6, 6, requires_grad=True)
conv(x).mean().backward()
print(conv.weight.grad)
hook = conv.register_full_backward_hook(freeze_single((0, 1, 2, 1)))
hook.remove()
""",
    # PyTorch forums, second-order derivative calculation: one weight set by hand through
    # a view of a view, then the derivative of the output with respect to the input
    'a_weight_written_through_a_view_of_a_view': """import torch
import torch.nn as nn
net = nn.Sequential(nn.Linear(2, 2), nn.Sigmoid(), nn.Linear(2, 1))
def init_ones(m):
    if type(m) == nn.Linear:
        nn.init.ones_(m.weight)
        nn.init.zeros_(m.bias)
net.apply(init_ones)
net[0].weight.data[1][0] = 0.0
X = torch.tensor([[0.5, -1.0], [2.0, 0.25]], requires_grad=True)
y = net(X)
dy = torch.autograd.grad(y, X, grad_outputs=torch.ones_like(y), create_graph=True)[0]
dy.sum().backward()
print(dy, X.grad, net[0].weight)
""",
    'random_split_from_the_file_that_defines_it': """import torch
from torch.utils.data import TensorDataset, DataLoader
from torch.utils.data.dataset import random_split
torch.manual_seed(123)
X = torch.randn(10, 1)
y = 3 * X + 1
train, val = random_split(TensorDataset(X, y), [8, 2])
w = torch.zeros(1, requires_grad=True)
for xb, yb in DataLoader(train, batch_size=4):
    loss = ((w * xb - yb) ** 2).mean()
    loss.backward()
print(w.grad, len(val))
""",
}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    for name in ("gradcheck_of_an_expanded_leaf", "gradcheck_of_an_expanded_computed_input"):
        assert "has a dimension with stride 0" in reference[name]["error"]["message"]
    assert reference["gradcheck_of_an_expanded_input_made_contiguous"]["stdout"] == "True\n"
    printed = reference["nn_classes_imported_from_their_own_files"]["stdout"]
    assert printed.count("tensor(") == 2 and "[[[" in printed  # both grads, conv's 3-d
    fitted = reference["a_line_fitted_by_hand_over_500_passes"]
    assert fitted["stdout"].count("\n") == 6 and fitted["grads"]["w"] != [0.0, 0.0]

    assert reference["places_of_a_grad_written_after_backward"]["grads"]["w"] == [
        [0.0, 7.0, 0.5], [-1.0, 0.5, 5.0]]
    assert reference["a_tuple_named_as_an_index"]["grads"]["x"][1][2] == 50.0
    assert reference["a_place_of_a_none_grad_written"]["error"] == {
        "type": "TypeError", "message": "'NoneType' object does not support item assignment"}
    hooked = reference["a_module_hook_writing_into_its_weight_grad"]["stdout"]
    assert "0.0000" in hooked
    assert "[0., 1.]" in reference["a_weight_written_through_a_view_of_a_view"]["stdout"]
    assert reference["random_split_from_the_file_that_defines_it"]["grads"]["w"] != [0.0]


def test_a_long_loop_of_numbers_keeps_its_latest_passes() -> None:
    """Each pass adds 23 nodes: all 500 would be 11,500."""
    doc = import_snippet(SNIPPETS["a_line_fitted_by_hand_over_500_passes"], layout=False)
    assert len(doc) < FROZEN_AT * 3 // 2
    assert doc.node_by_name("w") is not None and doc.node_by_name("w").op == "leaf"
