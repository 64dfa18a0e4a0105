"""A print of a comprehension (or lambda) after backward: its names are its own, so what it
reads (`[w.grad.item() for w in ws]`) is evaluated in its own scope, not looked up outside it
(Python's NameError where the script has none); one that draws random numbers still draws
them, so later draws match the script's. map, filter, sorted, any and all, in prints and in
the computation. Against plain torch in a subprocess."""

from __future__ import annotations

from typing import Any

import pytest
from snippet_agreement import agreement_tests

SNIPPETS = {
    "generator_in_sum_then_comprehension_of_grads": """import torch
ws = [torch.tensor(float(i), requires_grad=True) for i in range(1, 4)]
total = sum(w ** 2 for w in ws)
total.backward()
print([w.grad.item() for w in ws])
w1, w2, w3 = ws  # names the reference knows the leaves by
""",
    "formatted_grads": """import torch
x = torch.tensor(3.0, requires_grad=True)
y = x ** 2 + 2 * x
y.backward()
print(f"dy/dx at x={x.item():.2f} is {x.grad.item():.4f}")
print("grad: {:.3f}".format(x.grad.item()))
print("%.3f" % x.grad)
""",
    "map_filter_sorted_any_all_in_the_computation": """import torch
ws = [torch.tensor(float(i), requires_grad=True) for i in range(1, 5)]
big = list(filter(lambda w: w.item() > 1.5, ws))
squares = list(map(lambda w: w ** 2, big))
ordered = sorted(ws, key=lambda w: -w.item())
names = sorted(["b", "a"], reverse=True)
sizes = list(map(float, [1, 2]))
loss = sum(squares) + ordered[0] * 3 + sizes[1]
if any(w.item() > 3 for w in ws) and all(w.requires_grad for w in ws):
    loss = loss * 2
loss.backward()
print({n: w.grad for n, w in zip("abcd", ws)}, names)
w1, w2, w3, w4 = ws  # names the reference knows the leaves by
""",
    "comprehensions_and_a_lambda_in_prints": """import torch
torch.manual_seed(0)
x = torch.randn(3, requires_grad=True)
y = (x ** 2).sum()
y.backward()
print({k: round(v, 3) for k, v in zip("abc", x.grad.tolist())})
print([float(g) for g in x.grad], [x.grad[i].item() for i in range(3)])
print(list(map(lambda g: g * 2, x.grad)))
print([torch.randn(1) for _ in range(2)])
z = torch.randn(2)
print(z)
""",
}


reference, test_read_as_plain_torch_runs_it = agreement_tests(SNIPPETS)


def test_the_reference_computes_the_grads_compared(reference: dict[str, dict[str, Any]]) -> None:
    assert reference["formatted_grads"]["grads"] == {"x": pytest.approx(8.0)}
    assert reference["formatted_grads"]["error"] is None
    assert reference["generator_in_sum_then_comprehension_of_grads"]["grads"] == {
        "w1": 2.0, "w2": 4.0, "w3": 6.0}
    # loss = 2 (w2² + w3² + w4² + 3 w4 + 2): the grads are 0, 8, 12, 22
    assert reference["map_filter_sorted_any_all_in_the_computation"]["grads"] == {
        "w1": None, "w2": 8.0, "w3": 12.0, "w4": 22.0}  # w1 is used by nothing
