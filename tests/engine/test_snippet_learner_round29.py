"""Forms met in a round of unseen learner code, each against plain torch in a subprocess:
`print(x.grad.zero_())` in a notebook zeroes the gradient as the line of its own does, so the
next backward adds to zeros (and before any backward, torch's AttributeError of None)."""

from __future__ import annotations

from typing import Any

from snippet_agreement import agreement_tests

SNIPPETS = {
    'a_grad_zeroed_inside_a_print': """import torch
x = torch.tensor(2.0, requires_grad=True)
y = x**2 + x*3 + 1
y.backward()
print(x.grad)
print(x.grad.zero_())
z = x ** 3
z.backward()
print(f'dz/dx = {x.grad}')
""",
    'a_grad_data_zeroed_inside_a_print': """import torch
x = torch.tensor([1.0, 2.0], requires_grad=True)
(x * x).sum().backward()
print("zeroed:", x.grad.data.zero_())
(x * 5).sum().backward()
""",
    'a_grad_zeroed_in_a_print_before_any_backward': """import torch
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = (x * x).sum()
print(x.grad.zero_())
y.backward()
""",
}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    assert reference["a_grad_zeroed_inside_a_print"]["grads"]["x"] == 12.0  # not 7 + 12
    assert reference["a_grad_data_zeroed_inside_a_print"]["grads"]["x"] == [5.0, 5.0]
    assert "'NoneType' object has no attribute 'zero_'" in str(
        reference["a_grad_zeroed_in_a_print_before_any_backward"]["error"])
