"""Forms met in unseen learner code, each against plain torch in a subprocess: a print of
`None if grad is None else grad[0][0:4]` (the branch Python does not take is not read); a
script header's `__author__`; `grad1 = w1.grad.data[0]` (a view of the .grad) in a manual
update; `y.unsqueeze_(1)` of data computed without a gradient; torch.max_pool2d and
torch.conv2d by torch's own names; torch.isfinite; `m.weight.mul_(2.5)` under no_grad; an
unused `import pickle`; a layer frozen after training and thawed with add_param_group."""

from __future__ import annotations

from typing import Any

from snippet_agreement import agreement_tests
from test_corpus import engine_side

SNIPPETS = {
    'a_grad_shown_only_when_there_is_one': """import torch
torch.manual_seed(0)
layer = torch.nn.Linear(6, 2)
def show():
    grad = layer.weight.grad
    print("grad:", None if grad is None else grad[0][0:4])
show()
layer(torch.randn(3, 6)).pow(2).sum().backward()
show()
""",
    'a_script_header_with_its_author': """# _*_ coding: utf-8 _*_
__author__ = 'someone'
__date__ = '2019/7/23 21:01'
import torch
x = torch.tensor([1.0, 2.0], requires_grad=True)
(x ** 3).sum().backward()
print(__author__, x.grad)
""",
    'a_view_of_the_grad_in_a_manual_update': """import torch
from torch.autograd import Variable
w1 = Variable(torch.Tensor([1.0]), requires_grad=True)
w2 = Variable(torch.Tensor([1.0]), requires_grad=True)
for epoch in range(5):
    for x_val, y_val in zip([1.0, 2.0, 3.0], [2.0, 4.0, 6.0]):
        y_pred = w2 * x_val * x_val + w1 * x_val
        l = (y_pred - y_val) * (y_pred - y_val)
        l.backward()
        grad1 = w1.grad.data[0]
        grad2 = w2.grad.data[0]
        print("grad:", x_val, y_val, grad1, grad2)
        w1.data = w1.data - 0.01 * grad1
        w2.data = w2.data - 0.01 * grad2
        w1.grad.data.zero_()
        w2.grad.data.zero_()
final = (w1 * 4 + w2 * 16)
final.backward()
print(final, w1.grad, w2.grad)
""",
    'data_unsqueezed_in_place_after_it_was_computed': """import torch
torch.manual_seed(0)
x_train = torch.linspace(-10, 5, 10)
y_train = 2 ** x_train * torch.sin(2 ** -x_train)
noise = torch.randn(y_train.shape) / 20.
y_train = y_train + noise
x_train.unsqueeze_(1)
y_train.unsqueeze_(1)
w = torch.ones(1, requires_grad=True)
((x_train * w - y_train) ** 2).mean().backward()
print(x_train.shape, w.grad)
""",
    'pooling_and_convolution_by_torchs_own_names': """import torch
torch.manual_seed(0)
x = torch.randn(1, 1, 6, 6, requires_grad=True)
w = torch.randn(2, 1, 3, 3, requires_grad=True)
y = torch.max_pool2d(torch.relu(torch.conv2d(x, w)), 2)
z = torch.avg_pool1d(torch.max_pool1d(y.flatten(2), 2), 1)
z.sum().backward()
""",
    'a_finite_check_of_the_loss': """import torch
w = torch.tensor([1.0, 2.0], requires_grad=True)
loss = (w ** 2).sum()
loss.backward()
if not torch.isfinite(loss).all():
    print("bad")
print(torch.isnan(w.grad).any(), w.grad.isfinite().all(), loss.isinf())
""",
    'weights_inflated_in_place_by_a_method': """import torch
from torch import nn
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
with torch.no_grad():
    for m in model:
        if isinstance(m, nn.Linear):
            m.weight.mul_(2.5)
x = torch.randn(5, 3)
model(x).pow(2).mean().backward()
""",
    'an_unused_pickle_import': """import pickle
import torch
x = torch.ones(2, requires_grad=True)
(x * 2).sum().backward()
""",
    'a_layer_frozen_then_thawed_into_a_new_group': """import torch
import torch.nn as nn
import torch.optim as optim
torch.manual_seed(0)
net = nn.Sequential(nn.Linear(4, 3), nn.Linear(3, 3), nn.Linear(3, 1))
x = torch.randn(4)
target = torch.randn(1)
criterion = nn.MSELoss()
optimizer = optim.SGD(net.parameters(), lr=1e-2)
for i in range(3):
    net.zero_grad()
    criterion(net(x), target).backward()
    optimizer.step()
net[1].weight.requires_grad = False
net[1].bias.requires_grad = False
optimizer = optim.Adam(filter(lambda p: p.requires_grad, net.parameters()), lr=1e-2)
for i in range(3):
    net.zero_grad()
    criterion(net(x), target).backward()
    optimizer.step()
net[1].weight.requires_grad = True
net[1].bias.requires_grad = True
optimizer.add_param_group({'params': net[1].parameters(), 'lr': 0.05})
for i in range(3):
    net.zero_grad()
    criterion(net(x), target).backward()
    optimizer.step()
print(net[1].weight, optimizer.param_groups[1]['lr'])
""",
    'a_loader_over_a_list_of_pairs': """import torch
import torch.nn as nn
from torch.utils.data import DataLoader
torch.manual_seed(0)
model = nn.Linear(4, 2)
dataset = [(torch.rand(4), torch.rand(2))] * 6 + [(torch.rand(4), torch.rand(2))]
loader = DataLoader(dataset, batch_size=3, shuffle=True)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for x, y in loader:
    opt.zero_grad()
    nn.functional.mse_loss(model(x), y).backward()
    opt.step()
w = torch.ones(3, requires_grad=True)
pairs = [(torch.rand(3), 1.5), (torch.rand(3), 2.0), (torch.rand(3), 0.5)]
for x, y in DataLoader(pairs, batch_size=2):
    ((x @ w - y) ** 2).sum().backward()
print(x.shape, y.dtype, w.grad)
""",
    'gradients_given_by_hand_then_clipped': """import torch
import torch.nn as nn
torch.manual_seed(42)
parm = nn.Parameter(torch.randn(2, 1))
fake_grads = torch.tensor([[2.5], [.8]])
parm.grad = fake_grads.clone()
nn.utils.clip_grad_value_(parm, clip_value=1.0)
print(parm.grad.view(-1,))
parm.grad = fake_grads.clone()
nn.utils.clip_grad_norm_(parm, max_norm=1.0, norm_type=2)
print(parm.grad.view(-1,), parm.grad.norm())
""",
    'a_gradient_given_then_added_to': """import torch
import torch.nn as nn
p = nn.Parameter(torch.tensor([1.0, 2.0]))
p.grad = torch.tensor([10.0, 20.0])
(p * 3).sum().backward()
print(p.grad)
""",
    'a_random_draw_inside_vmap': """import torch
torch.manual_seed(0)
def f(y):
    x = torch.randn(5)
    x.copy_(y)
    return x
print(torch.func.vmap(f)(torch.randn(3, 5)))
""",
    'weights_saved_by_cloning_the_state_dict': """import torch
import torch.nn as nn
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1))
optimizer = torch.optim.SGD(model.parameters(), lr=1.)
old_state_dict = {}
for key in model.state_dict():
    old_state_dict[key] = model.state_dict()[key].clone()
loss = model(torch.randn(4, 3)).pow(2).mean()
loss.backward()
optimizer.step()
w = torch.ones(1, requires_grad=True)
(w * sum(v.sum() for v in old_state_dict.values())).backward()
print(w.grad)
""",
}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    shown = reference["a_grad_shown_only_when_there_is_one"]["stdout"].splitlines()
    assert shown[0] == "grad: None" and shown[1].startswith("grad: tensor([")
    assert reference["a_script_header_with_its_author"]["stdout"].startswith("someone")
    # the view is read before zero_(): the update moves the weights off their start
    assert reference["a_view_of_the_grad_in_a_manual_update"]["grads"]["w1"] == [4.0]
    assert "[1.0]" not in reference["a_view_of_the_grad_in_a_manual_update"]["stdout"][-60:]
    assert reference["a_gradient_given_then_added_to"]["stdout"].splitlines()[-1] == \
        "tensor([13., 23.])"  # the given .grad, then the backward added into it
    assert "torch.float64" in reference["a_loader_over_a_list_of_pairs"]["stdout"]
    assert reference["a_random_draw_inside_vmap"]["error"]["message"].startswith(
        "vmap: called random operation while in randomness error mode")
    assert "torch.Size([10, 1])" in \
        reference["data_unsqueezed_in_place_after_it_was_computed"]["stdout"]


def test_the_thawed_layer_steps_with_its_own_lr() -> None:
    theirs = reference_of("a_layer_frozen_then_thawed_into_a_new_group")
    assert theirs["stdout"].rstrip().endswith("0.05")
    ours = engine_side(SNIPPETS["a_layer_frozen_then_thawed_into_a_new_group"])
    assert "refused" not in ours and ours["error"] is None


def reference_of(name: str) -> dict[str, Any]:
    from torch_reference import by_name
    return by_name({name: SNIPPETS[name]})[name]
