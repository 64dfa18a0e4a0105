"""What a gradient hook stores while backward runs (`grads.append(g)`, `store[name] = g`,
a module's full backward hook keeping `grad_output[0]`), read as plain torch runs it (in a
subprocess): each snippet ends by weighting a new leaf with everything the hooks stored
(PROBE), so its .grad is those numbers in the order torch stored them. Several hooks in one
backward (torch's order: the order backward reaches the tensors), retain_graph second calls,
hooks removed between calls, hooks on leaves and on outputs, hooks that scale as well,
torch.autograd.grad, module hooks and the official "Visualizing Gradients" tutorial's
pattern (forward hooks registering tensor hooks, a training loop, the means of the stored
gradients); what cannot be given exactly is refused where the container is read."""

from __future__ import annotations

import pytest
from snippet_agreement import agreement_tests
from test_corpus import engine_side
from torch_reference import by_name

# every number the hooks stored, as the .grad of a new leaf, in the order they were stored
PROBE = """
check = torch.cat([g.reshape(-1) for g in grads])
p = torch.ones_like(check, requires_grad=True)
(p * check).sum().backward()
"""
TUTORIAL = """import torch
import torch.nn as nn
import torch.optim as optim
import torch.nn.functional as F
import matplotlib.pyplot as plt
torch.manual_seed(0)

def fc_layer(in_size, out_size, norm_layer):
    return nn.Sequential(nn.Linear(in_size, out_size), norm_layer(out_size), nn.Sigmoid())

class Net(nn.Module):
    def __init__(self, in_size=6*6, hidden_size=8,
                 out_size=10, num_layers=3, batchnorm=False):
        super().__init__()
        if batchnorm is False:
            norm_layer = nn.Identity
        else:
            norm_layer = nn.BatchNorm1d
        layers = []
        layers.append(fc_layer(in_size, hidden_size, norm_layer))
        for i in range(num_layers-1):
            layers.append(fc_layer(hidden_size, hidden_size, norm_layer))
        layers.append(nn.Linear(hidden_size, out_size))
        self.layers = nn.Sequential(*layers)

    def forward(self, x):
        x = torch.flatten(x, 1)
        return self.layers(x)

x = torch.randn(10, 6, 6)
y = torch.randint(10, (10, ))
model_bn = Net(batchnorm=True, num_layers=3)
model_nobn = Net(batchnorm=False, num_layers=3)
model_bn.train()
model_nobn.train()
optimizer_bn = optim.SGD(model_bn.parameters(), lr=0.01, momentum=0.9)
optimizer_nobn = optim.SGD(model_nobn.parameters(), lr=0.01, momentum=0.9)

def hook_forward(module_name, grads, hook_backward):
    def hook(module, args, output):
        output.register_hook(hook_backward(module_name, grads))
    return hook

def hook_backward(module_name, grads):
    def hook(grad):
        grads.append((module_name, grad))
    return hook

def get_all_layers(model, hook_forward, hook_backward):
    layers = dict()
    grads = []
    for name, layer in model.named_modules():
        if any(layer.children()) is False:
            layers[layer] = name
            layer.register_forward_hook(hook_forward(name, grads, hook_backward))
    return layers, grads

layers_bn, grads_bn = get_all_layers(model_bn, hook_forward, hook_backward)
layers_nobn, grads_nobn = get_all_layers(model_nobn, hook_forward, hook_backward)

epochs = EPOCHS
for epoch in range(epochs):
    grads_bn.clear()
    grads_nobn.clear()
    optimizer_bn.zero_grad()
    optimizer_nobn.zero_grad()
    y_pred_bn = model_bn(x)
    y_pred_nobn = model_nobn(x)
    loss_bn = F.cross_entropy(y_pred_bn, y)
    loss_nobn = F.cross_entropy(y_pred_nobn, y)
    loss_bn.backward()
    loss_nobn.backward()
    optimizer_bn.step()
    optimizer_nobn.step()

def get_grads(grads):
    layer_idx = []
    avg_grads = []
    for idx, (name, grad) in enumerate(grads):
        if grad is not None:
            avg_grad = grad.abs().mean()
            avg_grads.append(avg_grad)
            layer_idx.append(len(grads) - 1 - idx)
    return layer_idx, avg_grads

layer_idx_bn, avg_grads_bn = get_grads(grads_bn)
layer_idx_nobn, avg_grads_nobn = get_grads(grads_nobn)

fig, ax = plt.subplots()
ax.plot(layer_idx_bn, avg_grads_bn, label="With BatchNorm", marker="o")
ax.plot(layer_idx_nobn, avg_grads_nobn, label="Without BatchNorm", marker="x")
ax.set_xlabel("Layer depth")
ax.legend()
plt.show()
check = torch.stack(avg_grads_bn + avg_grads_nobn) * 1000
probe = torch.ones(len(avg_grads_bn) + len(avg_grads_nobn), requires_grad=True)
(probe * check).sum().backward()
print(layer_idx_bn)
"""
# the tutorial trains two models in one loop; one model here (two models stepped by two
# optimizers in one loop are outside what training.py reads today)
ONE_MODEL = TUTORIAL
for line in ("grads_nobn.clear()", "optimizer_nobn.zero_grad()", "y_pred_nobn = model_nobn(x)",
             "loss_nobn = F.cross_entropy(y_pred_nobn, y)", "loss_nobn.backward()",
             "optimizer_nobn.step()"):
    ONE_MODEL = ONE_MODEL.replace(f"    {line}\n", "")

SNIPPETS = {
    "lambda_append": """import torch
grads = []
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = x * x
h = y.register_hook(lambda g: grads.append(g))
z = (y * torch.tensor([1.0, -2.0, 0.5])).sum()
z.backward()
print(grads[0])
total = grads[0].sum()
norms = [g.norm() for g in grads]
""" + PROBE,
    "two_hooks_order": """import torch
grads = []
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = x * 2
z = y * 3
w = z.exp()
y.register_hook(lambda g: grads.append(g))
w.register_hook(lambda g: grads.append(g))
z.register_hook(lambda g: grads.append(g))
x.register_hook(lambda g: grads.append(g))
w.sum().backward()
""" + PROBE,
    "def_print_append_retain_twice": """import torch
grads = []
def keep(grad):
    print("grad:", grad)
    grads.append(grad)
x = torch.tensor([1.0, -1.0], requires_grad=True)
y = x.sin()
y.register_hook(keep)
out = (y ** 3).sum()
out.backward(retain_graph=True)
out.backward()
print(len(grads))
""" + PROBE,
    "save_grad_dict": """import torch
grads = {}
def save_grad(name):
    def hook(grad):
        grads[name] = grad
    return hook
x = torch.tensor([0.5, 1.5], requires_grad=True)
y = 3 * x
z = y * y
y.register_hook(save_grad('y'))
z.register_hook(save_grad('z'))
t = z.mean()
t.backward()
check = torch.cat([grads['y'], grads['z']])
p = torch.ones_like(check, requires_grad=True)
(p * check).sum().backward()
""",
    "removed_between_calls": """import torch
grads = []
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = x * x
h = y.register_hook(lambda g: grads.append(g.clone()))
loss = (y * y).sum()
loss.backward(retain_graph=True)
h.remove()
loss.backward(retain_graph=True)
h2 = y.register_hook(lambda g: grads.append(g * 2))
loss.backward()
""" + PROBE,
    "leaf_hook_and_autograd_grad": """import torch
grads = []
w = torch.tensor([2.0, -3.0], requires_grad=True)
w.register_hook(lambda g: grads.append(g))
f = (w ** 3).sum()
gw, = torch.autograd.grad(f, w, retain_graph=True)
f.backward()
""" + PROBE,
    "scale_then_append": """import torch
grads = []
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = x * 3
y.register_hook(lambda g: grads.append(g))
y.register_hook(lambda g: g * 10)
y.register_hook(lambda g: grads.append(g))
def both(g):
    grads.append(g)
    return g * 2
y.register_hook(both)
y.register_hook(lambda g: grads.append(g))
(y * y).sum().backward()
""" + PROBE,
    "grads_used_in_new_backward": """import torch
grads = []
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = x.exp()
y.register_hook(lambda g: grads.append(g))
(y * y).sum().backward()
a = torch.tensor([1.0, 1.0, 1.0], requires_grad=True)
loss = (a * grads[0]).sum() + grads[0].norm() * a.sum()
loss.backward()
print(grads[0].requires_grad)
""",
    "list_cleared_each_loop": """import torch
grads = []
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = x * x
y.register_hook(lambda g: grads.append(g))
z = y.sum() * 2
for i in range(3):
    grads.clear()
    z.backward(retain_graph=True)
""" + PROBE,
    "print_then_append_tuple": """import torch
grads = []
x = torch.tensor([1.0, 2.0], requires_grad=True)
a = x * 2
b = a.tanh()
a.register_hook(lambda g: grads.append(("a", g)))
b.register_hook(lambda g: grads.append(("b", g)))
b.sum().backward()
names = [n for n, _ in grads]
check = torch.cat([g for _, g in grads])
p = torch.ones_like(check, requires_grad=True)
(p * check).sum().backward()
""",
    "full_backward_hook_grad_output": """import torch
import torch.nn as nn
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
grads = []
def keep(module, grad_input, grad_output):
    grads.append(grad_output[0])
for layer in model:
    layer.register_full_backward_hook(keep)
x = torch.randn(5, 3)
model(x).pow(2).sum().backward()
""" + PROBE,
    "full_backward_hook_grad_input_and_pre": """import torch
import torch.nn as nn
torch.manual_seed(1)
fc1 = nn.Linear(3, 4)
act = nn.Sigmoid()
fc2 = nn.Linear(4, 2)
grads = []
store = {}
def full(name):
    def hook(module, grad_input, grad_output):
        grads.append(grad_output[0] * 1)
        if grad_input[0] is not None:
            grads.append(grad_input[0])
        store[name] = grad_output[0].norm()
    return hook
def pre(module, grad_output):
    grads.append(grad_output[0].clone())
fc1.register_full_backward_hook(full("fc1"))
act.register_full_backward_hook(full("act"))
fc2.register_full_backward_hook(full("fc2"))
fc2.register_full_backward_pre_hook(pre)
x = torch.randn(5, 3)
h = act(fc1(x))
out = fc2(h)
h.register_hook(lambda g: grads.append(g))
(out ** 2).mean().backward()
print(sorted(store))
grads.append(store["act"].reshape(1))
""" + PROBE,
    "activations_and_gradients_dicts": """import torch
import torch.nn as nn
torch.manual_seed(2)
model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 1))
activations = {}
gradients = {}
def fwd(name):
    def hook(module, inputs, output):
        activations[name] = output.detach()
    return hook
def bwd(name):
    def hook(module, grad_input, grad_output):
        gradients[name] = grad_output[0].detach()
    return hook
for name, layer in model.named_children():
    layer.register_forward_hook(fwd(name))
    layer.register_full_backward_hook(bwd(name))
x = torch.randn(6, 4)
loss = model(x).sum()
loss.backward()
grads = [activations[k] * gradients[k] for k in activations]
""" + PROBE,
    "not_reached_call": """import torch
grads = []
x = torch.tensor([1.0, 2.0], requires_grad=True)
a = x * 2
b = x * 5
a.register_hook(lambda g: grads.append(g))
b.register_hook(lambda g: grads.append(g * 100))
(a * a).sum().backward(retain_graph=True)
(b.sum() * 3).backward(retain_graph=True)
(a.sum() + b.sum()).backward()
""" + PROBE,
    "branches": """import torch
grads = []
x = torch.tensor([0.3, 0.7], requires_grad=True)
a = x.exp()
b = a.sin()
c = a * 4
d = b * c
for t in (a, b, c, d, x):
    t.register_hook(lambda g: grads.append(g))
d.sum().backward()
""" + PROBE,
    "loop_hooks_read_in_loop": """import torch
grads = []
w = torch.tensor([1.0, -2.0], requires_grad=True)
total = torch.zeros(2)
for step in range(3):
    y = w * (step + 1)
    y.register_hook(lambda g: grads.append(g))
    (y ** 2).sum().backward()
    total = total + grads[-1]
w2 = torch.ones(2, requires_grad=True)
(w2 * total).sum().backward()
""" + PROBE,
    "global_in_hook": """import torch
last = None
def hook(g):
    global last
    last = g
x = torch.tensor([1.0, 3.0], requires_grad=True)
y = x ** 2
y.register_hook(hook)
y.sum().backward()
v = torch.ones(2, requires_grad=True)
(v * last).sum().backward()
""",
    "hook_on_output_seed": """import torch
grads = []
x = torch.tensor([1.0, 3.0], requires_grad=True)
y = x ** 2
y.register_hook(lambda g: grads.append(g))
y.backward(torch.tensor([0.5, -1.0]))
""" + PROBE,
    "autograd_grad_nonleaf_input": """import torch
grads = []
x = torch.tensor([1.0, 3.0], requires_grad=True)
y = x ** 2
z = (y * y).sum()
y.register_hook(lambda g: grads.append(g))
gy, = torch.autograd.grad(z, y)
""" + PROBE,
    "leaf_used_twice_retain": """import torch
grads = []
x = torch.tensor([2.0, -1.0], requires_grad=True)
h = x.register_hook(lambda g: grads.append(g))
y = x * x + x.exp()
y.sum().backward(retain_graph=True)
x.grad.zero_()
y.sum().backward(retain_graph=True)
h.remove()
y.sum().backward()
""" + PROBE,
    # a module wraps its output: hooks on what it returns, then its pre-hook and full hook,
    # then a forward hook's hook on the inner output; nested modules, outermost first
    "module_wrap_order": """import torch
import torch.nn as nn
torch.manual_seed(3)
fc = nn.Linear(2, 2)
grads = []
def inner(m, i, o):
    o.register_hook(lambda g: grads.append(g * 1))
def full(m, gi, go):
    grads.append(go[0] * 10)
def pre(m, go):
    grads.append(go[0] * 100)
fc.register_forward_hook(inner)
fc.register_full_backward_hook(full)
fc.register_full_backward_pre_hook(pre)
x = torch.randn(3, 2)
out = fc(x)
out.register_hook(lambda g: grads.append(g * 1000))
(out * torch.tensor([1.0, -2.0])).sum().backward()
""" + PROBE,
    "nested_sequential_hooks": """import torch
import torch.nn as nn
torch.manual_seed(4)
inner = nn.Sequential(nn.Linear(2, 3), nn.Tanh())
model = nn.Sequential(inner, nn.Linear(3, 1))
grads = []
def full(tag):
    def hook(m, gi, go):
        grads.append(go[0] * tag)
        if gi[0] is not None:
            grads.append(gi[0] * tag)
    return hook
model.register_full_backward_hook(full(1))
inner.register_full_backward_hook(full(2))
inner[1].register_full_backward_hook(full(3))
model[1].register_full_backward_hook(full(4))
x = torch.randn(4, 2, requires_grad=True)
model(x).sum().backward()
""" + PROBE,
    "hook_on_hidden_and_module_pre": """import torch
import torch.nn as nn
torch.manual_seed(5)
fc1 = nn.Linear(2, 3)
fc2 = nn.Linear(3, 2)
grads = []
fc2.register_full_backward_pre_hook(lambda m, go: grads.append(go[0]))
fc1.register_full_backward_hook(lambda m, gi, go: grads.append(go[0] * 2))
x = torch.randn(3, 2)
h = fc1(x).relu()
h.register_hook(lambda g: grads.append(g * 3))
y = fc2(h)
y.pow(2).sum().backward(retain_graph=True)
y.sum().backward()
""" + PROBE,
    # a hook that scales, removed between calls: what a later hook is given changes with it
    "scale_hook_removed_then_append_sees_it_gone": """import torch
grads = []
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = x * 3
h = y.register_hook(lambda g: g * 10)
y.register_hook(lambda g: grads.append(g))
loss = (y * y).sum()
loss.backward(retain_graph=True)
h.remove()
loss.backward(retain_graph=True)
y.register_hook(lambda g: g * -1)
y.register_hook(lambda g: grads.append(g))
loss.backward()
""" + PROBE,
    "two_outputs_autograd_backward": """import torch
grads = []
x = torch.tensor([0.5, -1.5], requires_grad=True)
a = x.sigmoid()
b = x.tanh()
a.register_hook(lambda g: grads.append(g))
b.register_hook(lambda g: grads.append(g))
x.register_hook(lambda g: grads.append(g))
torch.autograd.backward([a.sum(), (b * 2).sum()])
""" + PROBE,
    # the list's own bound method as the hook: it fills that list, whatever the name holds later
    "bound_append": """import torch
grads = []
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = x * x
y.register_hook(grads.append)
kept, grads = grads, []
y.sum().backward()
grads = kept
""" + PROBE,
    # the hook reads the loop's variable: it runs before the loop goes on, as in torch
    "loop_variable_in_hook": """import torch
store = {}
def keep(g):
    store[name] = g * 1
x = torch.tensor([1.0, 2.0], requires_grad=True)
for name in ["a", "b", "c"]:
    t = x * len(name + "xx")
    t.register_hook(keep)
    (t * t).sum().backward()
v = torch.ones(2, requires_grad=True)
(v * store["a"] + 100 * v * store["b"] + 10000 * v * store["c"]).sum().backward()
print(sorted(store))
""",
    "tutorial_one_epoch": ONE_MODEL.replace("EPOCHS", "1"),
    "tutorial_three_epochs": ONE_MODEL.replace("EPOCHS", "3"),
    "tutorial_without_the_step": ONE_MODEL.replace("EPOCHS", "1").replace(
        "    optimizer_bn.step()\n", ""),
}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def test_the_probe_holds_every_stored_gradient_in_order(reference: dict) -> None:
    """The check is not empty: torch's probe .grad is the stored numbers themselves."""
    # y = x * x, z = sum(y * [1, -2, 0.5]): y's hook is given [1, -2, 0.5]
    assert reference["lambda_append"]["grads"]["p"] == [1.0, -2.0, 0.5]
    # backward reaches w, z, y, x in that order (hooks registered y, w, z, x): w's
    # gradient is the sum's ones, z's exp(z), y's 3 exp(z), x's 6 exp(z)
    p = reference["two_hooks_order"]["grads"]["p"]
    assert p[:2] == [1.0, 1.0] and p[4] == pytest.approx(3 * p[2])
    assert p[6] == pytest.approx(6 * p[2])
    # the tutorial: 4 linear, 3 norm and 3 sigmoid outputs hooked, last layer first
    assert len(reference["tutorial_one_epoch"]["grads"]["probe"]) == 10


REFUSED = {
    "create_graph": ("""import torch
grads = []
x = torch.tensor([1.0, 3.0], requires_grad=True)
y = x ** 3
y.register_hook(lambda g: grads.append(g))
z = (y * y).sum()
z.backward(create_graph=True)
""" + PROBE, "line 9, column 43: grads holds gradients of a call with create_graph=True"),
    "old_backward_hook": ("""import torch
import torch.nn as nn
torch.manual_seed(0)
fc = nn.Linear(2, 2)
grads = []
fc.register_backward_hook(lambda m, gi, go: grads.append(go[0]))
fc(torch.randn(3, 2)).sum().backward()
""" + PROBE, "line 9, column 43: grads is filled by a hook of .register_backward_hook()"),
    "grad_input_of_an_input_used_twice": ("""import torch
import torch.nn as nn
torch.manual_seed(0)
fc = nn.Linear(2, 2)
grads = []
fc.register_full_backward_hook(lambda m, gi, go: grads.append(gi[0]))
x = torch.randn(3, 2, requires_grad=True)
(fc(x).sum() + (x * x).sum()).backward()
""" + PROBE, "line 10, column 43: grads is filled by a backward hook of Linear module whose "
             "input is used outside the module too"),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_what_cannot_be_given_exactly_is_refused_where_it_is_read(name: str) -> None:
    code, said = REFUSED[name]
    refused = engine_side(code).get("refused", "")
    assert refused.startswith(said), refused


def test_printing_what_a_refused_hook_stored_is_still_read() -> None:
    """Only computing with it is refused: a print of it stays a display."""
    code = REFUSED["create_graph"][0].replace(PROBE, "print(grads)\n")
    (theirs,) = by_name({"printed": code}).values()
    ours = engine_side(code)
    assert "refused" not in ours and ours["grads"]["x"] == theirs["grads"]["x"]
