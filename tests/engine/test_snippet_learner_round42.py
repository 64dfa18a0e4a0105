"""Forms met in unseen learner code, each against plain torch in a subprocess: in-place
methods chained on a parameter's `.data` (`w.data.mul_(0.5).add_(1)`: each returns w.data),
before any use and as a hand-written step."""

from __future__ import annotations

from typing import Any

from snippet_agreement import agreement_tests

SNIPPETS = {
    'in_place_methods_chained_on_data': """import torch
torch.manual_seed(0)
fc = torch.nn.Linear(3, 2)
fc.weight.data.mul_(0.5).add_(1).clamp_(max=1.2)
x = torch.tensor([[1.0, -2.0, 0.5]])
for step in range(3):
    loss = torch.tanh(fc(x)).pow(2).sum()
    loss.backward()
    fc.weight.data.sub_(0.1 * fc.weight.grad).mul_(0.99)
    fc.weight.grad.zero_()
loss = torch.tanh(fc(x)).pow(2).sum()
loss.backward()
print(fc.weight, fc.weight.grad)
""",
}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    # every weight starts at most 1.2 (the clamp), and the steps only shrink them
    printed = reference["in_place_methods_chained_on_data"]["stdout"]
    numbers = [float(t) for t in printed.split("[[")[1].split("]]")[0]
               .replace("]", "").replace("[", "").split(",")]
    assert len(numbers) == 6 and max(numbers) <= 1.2
