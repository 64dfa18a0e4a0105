"""torch.func code that passes a model's parameters around as a dict (functional_call, a
gradient by the dict: the per-sample-gradients tutorial) and functools.partial of the
function a transform differentiates, read as plain torch computes them and judged against
the same snippet run by plain torch in a subprocess (engine/snippets/func_params.py)."""

from __future__ import annotations

from typing import Any

import pytest
import torch
from snippet_agreement import agreement_tests
from test_corpus import engine_side

from engine.snippets.reader import ImportError_, import_snippet

SNIPPETS = {
    "functional_call_with_the_models_own_parameters": """import torch
import torch.nn as nn
from torch.func import functional_call
torch.manual_seed(0)
model = nn.Linear(3, 2)
params = dict(model.named_parameters())
x = torch.randn(4, 3)
out = functional_call(model, params, (x,))
out.sum().backward()
""",
    "functional_call_with_other_weights": """import torch
import torch.nn as nn
from torch.func import functional_call
torch.manual_seed(1)
model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))
w = torch.randn(3, 2, requires_grad=True)
x = torch.randn(5, 2)
out = functional_call(model, {"0.weight": w}, x)
out.pow(2).mean().backward()
""",
    # after the call the model computes with its own weight again: both get their .grad
    "functional_call_then_the_model_itself": """import torch
import torch.nn as nn
from torch.func import functional_call
torch.manual_seed(2)
model = nn.Linear(2, 2)
w = torch.randn(2, 2, requires_grad=True)
x = torch.randn(3, 2)
y = functional_call(model, {"weight": w}, (x,)).pow(2).sum() + model(x).sum()
y.backward()
""",
    "gradient_by_a_dict_of_parameters": """import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.func import functional_call, grad
torch.manual_seed(0)
model = nn.Linear(3, 2)
params = {k: v.detach() for k, v in model.named_parameters()}
x = torch.randn(4, 3)
t = torch.tensor([0, 1, 1, 0])
def loss_fn(params, x, t):
    return F.cross_entropy(functional_call(model, params, (x,)), t)
g = grad(loss_fn)(params, x, t)
print(g["weight"], g["bias"])
""",
    # https://pytorch.org/tutorials/intermediate/per_sample_grads.html, a smaller model
    "per_sample_gradients_tutorial": """import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.func import functional_call, grad, vmap
torch.manual_seed(0)
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 3)
        self.fc2 = nn.Linear(3, 2)
    def forward(self, x):
        return F.log_softmax(self.fc2(F.relu(self.fc1(x))), dim=-1)
model = Net()
data = torch.randn(5, 4)
targets = torch.randint(0, 2, (5,))
params = {k: v.detach() for k, v in model.named_parameters()}
buffers = {k: v.detach() for k, v in model.named_buffers()}
def compute_loss(params, buffers, sample, target):
    batch = sample.unsqueeze(0)
    targets = target.unsqueeze(0)
    predictions = functional_call(model, (params, buffers), (batch,))
    loss = F.nll_loss(predictions, targets)
    return loss
ft_compute_grad = grad(compute_loss)
ft_compute_sample_grad = vmap(ft_compute_grad, in_dims=(None, None, 0, 0))
ft_per_sample_grads = ft_compute_sample_grad(params, buffers, data, targets)
loss = F.nll_loss(model(data[:1]), targets[:1])
loss.backward()
""",
    "partial_of_the_differentiated_function": """import torch
import functools
from functools import partial
from torch.func import grad, jacrev
def f(w, x):
    return (w * x).tanh().sum()
w = torch.tensor([0.5, -1.0, 2.0])
x = torch.tensor([1.0, 2.0, 3.0])
g = grad(functools.partial(f, x=x))(w)
g2 = grad(partial(f, w))(x)
J = jacrev(partial(torch.pow, exponent=3.0))(x)
h = partial(f, w)
print(h(x))
""",
}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def test_the_per_sample_answer_is_each_samples_own_gradient(
        reference: dict[str, dict[str, Any]]) -> None:
    theirs = reference["per_sample_gradients_tutorial"]
    [per_sample] = theirs["jacobians"]  # fc1.weight, fc1.bias, fc2.weight, fc2.bias
    assert [torch.tensor(p).shape for p in per_sample] == [(5, 3, 4), (5, 3), (5, 2, 3), (5, 2)]
    # sample 0's rows are the .grad its own loss's backward gives (torch's: every_leaf_grad)
    assert any(torch.allclose(torch.tensor(per_sample[0][0]), torch.tensor(g), atol=1e-6)
               for g in theirs["every_leaf_grad"] if g is not None)
    ours = engine_side(SNIPPETS["per_sample_gradients_tutorial"])
    [call] = [c for c in ours["calls"] if c["kind"] == "jacobian"]
    assert torch.allclose(torch.tensor(call["jacobian"][2][0]),
                          torch.tensor(ours["grads"]["model_fc2_weight"]), atol=1e-6)


@pytest.mark.parametrize(("code", "says"), [
    ("import torch\nimport torch.nn as nn\nfrom torch.func import functional_call\n"
     "m = nn.Linear(2, 1)\np = dict(m.named_parameters())\n"
     "y = functional_call(m, (p, p), torch.ones(2))\n",
     "appeared in multiple dictionaries; behavior of functional call is ambiguous"),
    ("import torch\nimport torch.nn as nn\nm = nn.BatchNorm1d(2)\n"
     "b = dict(m.named_buffers())\n", "named_buffers() of a model with tensor attributes"),
    ("import torch\nfrom torch.func import grad\nx = torch.ones(2)\n"
     "g = grad(lambda p: (p['a'] * 2, p['a'].sum()))({'a': x})\n",
     "by a dict of tensors is read for an f with one output"),
])
def test_what_is_not_read_says_why(code: str, says: str) -> None:
    with pytest.raises(ImportError_) as caught:
        import_snippet(code, layout=False)
    assert says in str(caught.value)
