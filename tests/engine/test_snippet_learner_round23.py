"""Forms met in a round of unseen learner code, each against plain torch in a subprocess:
another name for the torch module (`nn = torch`, bound again later to something else) and
the result of a backward call kept under a name (`lsb = ls.backward(retain_graph=True)`:
None, after the call), and the parameters joined into one vector for a penalty
(`parameters_to_vector`), the gradient flowing back into each."""

from __future__ import annotations

from typing import Any

from snippet_agreement import agreement_tests

SNIPPETS = {
    'another_name_for_torch': """import torch
if __name__ == "__main__":
    nn = torch
    x = nn.ones(3, requires_grad=True)
    y = (nn.sin(x) * nn.arange(3.0)).sum()
    y.backward()
    nn = 2
    print(x.grad, nn + 1)
""",
    'a_backward_calls_result_kept': """import torch
w = torch.tensor([1.0, -2.0], requires_grad=True)
ls = (w ** 2).sum()
lsb = ls.backward(retain_graph=True)
print(lsb)
again = ls.backward()
print(again is None, w.grad)
""",
    'parameters_as_one_vector': """import torch
import torch.nn as nn
from torch.nn.utils import parameters_to_vector
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(3, 2), nn.Tanh(), nn.Linear(2, 1))
loss = model(torch.randn(4, 3)).pow(2).mean()
vec = parameters_to_vector(model.parameters())
(loss + 0.01 * (vec ** 2).sum()).backward()
with torch.no_grad():
    flat = nn.utils.parameters_to_vector(model.parameters())
print(vec.shape, flat.requires_grad, model[0].weight.grad)
""",
}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    assert reference["a_backward_calls_result_kept"]["grads"]["w"] == [4.0, -8.0]
    assert reference["a_backward_calls_result_kept"]["stdout"].startswith("None\nTrue")
    assert reference["another_name_for_torch"]["error"] is None
    assert reference["parameters_as_one_vector"]["stdout"].startswith("torch.Size([11]) False")
