"""torch.distributions.Normal read as torch computes it (engine/snippets/distributions.py):
log_prob and entropy by torch's own formulas (the gradients to loc and scale torch gives),
rsample's reparameterised draw and sample's draw from the snippet's random stream in torch's
order (a draw after them matches the plain script's), a number given as loc or scale, and
torch's ValueError for a scale that is not positive. Each against plain torch."""

from __future__ import annotations

from typing import Any

import pytest
import torch
from snippet_agreement import agreement_tests
from test_corpus import engine_side

POLICY = """import torch
from torch.distributions import Normal
torch.manual_seed(0)
mu = torch.tensor([0.5, -1.0], requires_grad=True)
std = torch.tensor([1.5, 0.7], requires_grad=True)
n = Normal(mu, std)
x = torch.tensor([0.2, 0.3])
lp = n.log_prob(x).sum()
z = n.rsample()
s = n.sample((3,))
m = Normal(0.0, 1.0)
loss = -lp + (z ** 2).sum() + n.entropy().sum() + m.log_prob(z).sum() + s.sum() * mu.sum()
loss.backward()
after = torch.randn(2)
w = torch.tensor(2.0, requires_grad=True)
(w * after.sum()).backward()
print(mu.grad, std.grad, n.mean, n.stddev, n.variance)
"""
SNIPPETS = {
    'normal_policy_and_reparameterised_sample': POLICY,
    'normal_by_module_alias': """import torch
import torch.distributions as dist
mu = torch.zeros(3, requires_grad=True)
d = dist.Normal(mu, 2.0)
d.log_prob(torch.tensor([1.0, -2.0, 0.5])).mean().backward()
print(mu.grad, d.scale)
""",
    'normal_scale_not_positive': """import torch
from torch.distributions import Normal
mu = torch.zeros(2, requires_grad=True)
n = Normal(mu, torch.tensor([1.0, -1.0]))
""",
}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    assert reference["normal_scale_not_positive"]["error"]["type"] == "ValueError"


def test_log_prob_rsample_and_the_draw_after_them_are_torchs() -> None:
    ours = engine_side(POLICY)
    torch.manual_seed(0)
    mu = torch.tensor([0.5, -1.0], requires_grad=True)
    std = torch.tensor([1.5, 0.7], requires_grad=True)
    n = torch.distributions.Normal(mu, std)
    z = n.rsample()
    lp = n.log_prob(torch.tensor([0.2, 0.3])).sum()
    s = n.sample((3,))
    m = torch.distributions.Normal(0.0, 1.0)
    (-lp + (z ** 2).sum() + n.entropy().sum() + m.log_prob(z).sum()
     + s.sum() * mu.sum()).backward()
    after = torch.randn(2)
    assert mu.grad is not None and std.grad is not None
    assert ours["grads"]["mu"] == pytest.approx(mu.grad.tolist(), rel=1e-5)
    assert ours["grads"]["std"] == pytest.approx(std.grad.tolist(), rel=1e-5)
    assert ours["grads"]["w"] == pytest.approx(after.sum().item(), rel=1e-5)


def test_another_distribution_of_a_tensor_requiring_grad_is_refused_by_name() -> None:
    """Other distributions are read on numbers (test_snippet_learner_round59.py): with a
    graph, only Normal's and Categorical's formulas are (test_snippet_learner_round62.py)."""
    refused = engine_side("import torch\nw = torch.ones(3, requires_grad=True)\n"
                          "d = torch.distributions.Bernoulli(logits=w)\n")["refused"]
    assert "Bernoulli is read with parameters that need no gradient" in refused
