"""Forms met in unseen learner code, each against plain torch in a subprocess (continued from
test_snippet_learner_round62.py): state_dict() entries computed with while no update changed the
parameters; isinstance(x, np.ndarray); a layer made float64 with .double() before it is used (a
gradcheck's setup); checkpoint_sequential, and the reentrant checkpoint of inputs without grad
(its layers get no gradient); torch.func.functional_call handed to jacrev itself; Normal's cdf,
called or kept as a method (Black-Scholes greeks); np.empty filled before it is read; Categorical
of probabilities or logits that require grad (a policy's REINFORCE loss), imported by name from
torch.distributions; a model's own attribute named T (not a transpose); a step's tensor kept
detached (`prev = pred.detach()`, `hist.append(loss.detach())`) holds that step's numbers: it was
computed again with the updated weights; torch.Size([...]) as a shape; np.split and
np.array_split; Independent(Normal(...), 1) of a Normal with a graph (a SAC policy's log-prob)."""

from __future__ import annotations

import math
from typing import Any

import pytest
import torch
from snippet_agreement import agreement_tests
from test_corpus import engine_side

from engine.run import run
from engine.snippets.reader import import_snippet

SNIPPETS = {
    'state_dict_entries_computed_with': """import torch
import numpy as np
torch.manual_seed(0)
m = torch.nn.Linear(2, 1)
x = torch.tensor([[1.0, 2.0]])
w_sd, b_sd = m.state_dict().values()
pred = w_sd * x + b_sd
loss = ((m(x) - pred.sum()) ** 2).sum()
loss.backward()
w = m.weight
inputs = np.array([[1.0, 2.0]])
if isinstance(inputs, np.ndarray):
    inputs = torch.from_numpy(inputs).float()
(m(inputs) * 3).sum().backward()
print(pred, w.grad, isinstance(w, np.ndarray))
""",
    'a_layer_made_double_for_gradcheck': """import torch
from torch import nn
from torch.autograd import gradcheck
torch.manual_seed(0)
layer = nn.Linear(3, 2).double()
x = torch.randn(4, 3, dtype=torch.double, requires_grad=True)
print(gradcheck(layer, (x,)))
out = layer(x).pow(2).sum()
out.backward()
w = layer.weight
print(w.dtype, w.grad)
""",
    'checkpoint_sequential_not_reentrant': """import torch
import torch.nn as nn
from torch.utils.checkpoint import checkpoint_sequential, checkpoint
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 4), nn.Tanh(), nn.Linear(4, 1))
x = torch.randn(2, 4)
out = checkpoint_sequential(model, 3, x, use_reentrant=False)
out.sum().backward()
w0, w4 = model[0].weight, model[4].weight
print(w0.grad, w4.grad)
""",
    'checkpoint_sequential_reentrant_of_an_input_without_grad': """import torch
import torch.nn as nn
from torch.utils.checkpoint import checkpoint_sequential, checkpoint
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 4), nn.Tanh(), nn.Linear(4, 1))
x = torch.randn(2, 4)
out = checkpoint_sequential(model, 2, x)
out.sum().backward()
w0, w2, w4 = model[0].weight, model[2].weight, model[4].weight
lin = nn.Linear(4, 4)
y = checkpoint(lin, x)
print(y.requires_grad, w0.grad, w4.grad)
""",
    'jacrev_of_functional_call_itself': """import torch
from torch.func import jacrev, functional_call
torch.manual_seed(0)
inputs = torch.randn(4, 3)
model = torch.nn.Linear(3, 2)
params = dict(model.named_parameters())
jacobians = jacrev(functional_call, argnums=1)(model, params, (inputs,))
probe = torch.tensor([1.0, -2.0], requires_grad=True)
(probe * jacobians['weight'][1, :, 0, :].sum(dim=-1)).sum().backward()
print(jacobians['weight'].shape, jacobians['bias'].shape)
""",
    'black_scholes_greeks_through_normal_cdf': """import torch
stock = torch.tensor(100.0, requires_grad=True)
strike = torch.tensor(100.0, requires_grad=True)
rate = torch.tensor(0.035, requires_grad=True)
vol = torch.tensor(0.16, requires_grad=True)
time = torch.tensor(1.0, requires_grad=True)
cdf = torch.distributions.Normal(0, 1).cdf
d1 = (torch.log(stock / strike) + (rate + vol * vol / 2) * time) / (vol * time ** 0.5)
d2 = d1 - vol * time ** 0.5
call = stock * cdf(d1) - strike * torch.exp(-rate * time) * cdf(d2)
put = strike * torch.exp(-rate * time) * torch.distributions.Normal(0.0, 1.0).cdf(-d2) \
    - stock * cdf(-d1)
(call + put).backward()
print(call.item(), stock.grad)
""",
    'a_path_kept_in_np_empty': """import numpy as np
import torch
p = torch.tensor([1.5, -0.5], requires_grad=True)
path = np.empty((3, 2))
for i in range(3):
    path[i] = p.detach().numpy()
    loss = (p ** 2).sum() + 10 - 10 * torch.cos(2 * np.pi * p).sum()
    loss.backward()
    with torch.no_grad():
        p -= 0.01 * p.grad
    p.grad.zero_()
print(path)
""",
    'reinforce_with_categorical_of_a_policy': """import torch
from torch.distributions import Categorical
torch.manual_seed(0)
policy = torch.nn.Linear(4, 2)
state = torch.randn(4)
probs = torch.softmax(policy(state), dim=-1)
m = Categorical(probs)
action = m.sample()
loss = -m.log_prob(action) * 1.5
loss.backward()
w = policy.weight
print(action, w.grad)
""",
    'categorical_of_logits_and_of_batched_probs': """import torch
from torch.distributions import Categorical, Bernoulli
torch.manual_seed(0)
logits = torch.tensor([0.5, -0.2, 0.1], requires_grad=True)
d = Categorical(logits=logits)
a = d.sample()
(-(d.log_prob(a) * 2.0) - 0.01 * d.entropy()).backward()
probs = torch.tensor([[0.2, 0.3, 0.5], [0.6, 0.3, 0.1]], requires_grad=True)
c = Categorical(probs)
acts = c.sample((4,))
(c.log_prob(acts).sum() + c.entropy().sum() + c.log_prob(torch.tensor(1)).sum()).backward()
print(logits.grad, probs.grad, acts)
""",
    'a_model_attribute_named_T': """import torch
torch.manual_seed(0)

class Rotation(torch.nn.Module):
    def __init__(self, D=3):
        super().__init__()
        self.T = torch.nn.Parameter(torch.triu(torch.randn(D, D), diagonal=-1))
        self.rotate()

    def rotate(self):
        self.R = torch.matrix_exp(self.T - self.T.t())
        self.U = self.R @ torch.diag(torch.tensor([1.0, 2.0, 3.0])) @ self.R.t()

model = Rotation()
model.U[0, 1].backward()
T = model.T
print(T.grad)
""",
    'a_previous_steps_prediction_kept_detached': """import torch
torch.manual_seed(0)
model = torch.nn.Linear(2, 1)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
x = torch.randn(5, 2); y = torch.randn(5, 1)
prev = None
hist = []
for i in range(4):
    opt.zero_grad()
    pred = model(x)
    loss = ((pred - y) ** 2).mean()
    if prev is not None:
        loss = loss + 0.1 * (pred.detach() - prev).pow(2).mean()
    prev = pred.detach()
    hist.append(loss.detach())
    loss.backward()
    opt.step()
total = torch.stack(hist).sum()
final = (model(x) * total).sum()
final.backward()
w = model.weight
""",
    'a_sample_shaped_by_torch_size': """import torch
from torch.distributions import Normal
torch.manual_seed(0)
d = Normal(-1., 1.5)
data = d.sample(torch.Size([5, 1]))
w = torch.tensor(2.0, requires_grad=True)
(w * data).sum().backward()
print(torch.Size([2, 3]), w.grad)
""",
    'numpy_split_of_a_data_array': """import numpy as np
import torch
np.random.seed(0)
data = np.random.randn(6, 2)
a, b = np.split(data, 2)
parts = np.array_split(np.arange(7.0), 3)
w = torch.tensor([1.0, 2.0], requires_grad=True)
(torch.from_numpy(a).float() @ w).sum().backward()
print(len(parts), parts[0], b.shape, w.grad)
""",
    'independent_normal_rsample_and_log_prob': """# Independent(Normal), pytorch-sac's README
import torch
from torch.distributions import Normal, Independent

means = torch.tensor([[1, 2, 3, 4, 5], [1, 2, 3, 4, 5]], dtype=torch.float).view(2, -1)
stds  = torch.tensor([[1, 2, 3, 4, 5], [1, 2, 3, 4, 5]], dtype=torch.float).view(2, -1)

means.requires_grad = True
stds.requires_grad = True

dist = Independent(Normal(loc=means, scale=stds), 1)

print(dist.batch_shape, dist.event_shape)  # torch.Size([2]) torch.Size([5])

samples_with_grad = dist.rsample()  # the reparameterization trick

print(samples_with_grad.shape)  # torch.Size([2, 5])

log_prob = - dist.log_prob(samples_with_grad)
result = torch.sum(log_prob)
result.backward()

print(means.grad)
print(stds.grad)

# tensor([[0., 0., 0., 0., 0.],
#         [0., 0., 0., 0., 0.]])
# tensor([[1.0000, 0.5000, 0.3333, 0.2500, 0.2000],
#         [1.0000, 0.5000, 0.3333, 0.2500, 0.2000]])
""",
    'independent_normal_policy_loss': """import torch
from torch.distributions import Normal, Independent
torch.manual_seed(0)
mu = torch.tensor([[0.5, -0.2, 0.1]], requires_grad=True)
log_std = torch.tensor([[-0.1, 0.2, 0.0]], requires_grad=True)
dist = Independent(Normal(mu, log_std.exp()), 1)
a = dist.rsample()
logp = dist.log_prob(a)
loss = -(logp * 2.0).mean() - 0.01 * dist.entropy().mean()
loss.backward()
print(dist.batch_shape, dist.event_shape, mu.grad, log_std.grad)
""",
}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    assert reference["state_dict_entries_computed_with"]["grads"]["w"] is not None
    assert "False" in reference["state_dict_entries_computed_with"]["stdout"]
    doubled = reference["a_layer_made_double_for_gradcheck"]
    assert doubled["stdout"].startswith("True\ntorch.float64")
    reentrant = reference["checkpoint_sequential_reentrant_of_an_input_without_grad"]
    # two segments of five layers: layers 0-1 checkpointed (no gradient), 2-4 run as they are
    assert reentrant["grads"]["w0"] is None and reentrant["grads"]["w2"] is not None
    assert reentrant["grads"]["w4"] is not None and reentrant["stdout"].startswith("False")
    assert reference["checkpoint_sequential_not_reentrant"]["grads"]["w0"] is not None
    jac = reference["jacrev_of_functional_call_itself"]
    assert jac["stdout"] == "torch.Size([4, 2, 2, 3]) torch.Size([4, 2, 2])\n"
    torch.manual_seed(0)
    x = torch.randn(4, 3)
    assert jac["grads"]["probe"] == pytest.approx([x[1].sum().item(), 0.0], abs=1e-6)
    greeks = reference["black_scholes_greeks_through_normal_cdf"]
    # put-call parity: call + put = S·N(d1) - K e^(-rT) N(d2) + K e^(-rT) N(-d2) - S·N(-d1);
    # its derivative by the stock is N(d1) - N(-d1) = 2·N(d1) - 1
    d1 = (0.035 + 0.16 ** 2 / 2) / 0.16
    assert greeks["grads"]["stock"] == pytest.approx(math.erf(d1 / math.sqrt(2)), abs=1e-5)
    logits_grad = reference["categorical_of_logits_and_of_batched_probs"]["grads"]["logits"]
    assert abs(sum(logits_grad)) < 1e-6 and any(abs(g) > 1e-3 for g in logits_grad)
    assert reference["reinforce_with_categorical_of_a_policy"]["grads"]["w"] is not None
    rotation = reference["a_model_attribute_named_T"]["grads"]["T"]
    assert any(abs(g) > 1e-3 for row in rotation for g in row)


def test_a_state_dict_entry_after_an_update_is_still_refused() -> None:
    # torch's entry is the parameter's memory: after the step it holds the new numbers
    refused = engine_side("""import torch
torch.manual_seed(0)
m = torch.nn.Linear(2, 1)
sd = m.state_dict()
x = torch.tensor([[1.0, 2.0]])
opt = torch.optim.SGD(m.parameters(), lr=0.1)
(m(x) - 1).pow(2).sum().backward()
opt.step()
y1 = x @ sd['weight'].T + sd['bias']
""")
    assert "shares memory with the parameter" in refused["refused"]


def test_split_and_size_are_what_is_compared(reference: dict[str, dict[str, Any]]) -> None:
    assert reference["a_sample_shaped_by_torch_size"]["stdout"].startswith(
        "torch.Size([2, 3]) tensor(")
    assert reference["numpy_split_of_a_data_array"]["stdout"].startswith("3 [0. 1. 2.] (3, 2)")
    # -log_prob of a reparameterised sample: the means cancel (zeros), each std gives 1/std
    independent = reference["independent_normal_rsample_and_log_prob"]["grads"]
    assert independent["means"] == [[0.0] * 5] * 2
    assert independent["stds"][0] == pytest.approx([1.0, 0.5, 1 / 3, 0.25, 0.2])


def test_losses_kept_detached_are_each_steps_own() -> None:
    """The document keeps the last step's graph only; the earlier losses are numbers of their
    own step (torch: 50, 32, 20.48), not the last step's computed again."""
    doc = import_snippet("""import torch
x = torch.tensor([5.0, 5.0], requires_grad=True)
opt = torch.optim.SGD([x], lr=0.1)
errs = []
for i in range(3):
    opt.zero_grad()
    out = (x ** 2).sum()
    errs.append(out.detach())
    out.backward()
    opt.step()
""", layout=False)
    detached = [n for n in doc.nodes() if n.op == "detach"]
    assert len(detached) == 1
    assert run(doc).values[detached[0].id].item() == pytest.approx(2 * 3.2 ** 2)
