"""Forms met in a round of unseen learner code, each against plain torch in a subprocess:
`torch.no_grad()` called outside a with-block (a context made and dropped: nothing changes)
and `torch.set_grad_enabled(False)` called as a function (grad mode from there on), a
throwaway loop name `__`, and a helper that reads `requires_grad`, `is_leaf`,
`retains_grad`, `grad_fn` and `grad` of leaves and computed tensors through getattr and
joins them with " ".join."""

from __future__ import annotations

from typing import Any

from snippet_agreement import agreement_tests

SNIPPETS = {
    'no_grad_called_outside_a_with': """import torch
x = torch.tensor([1.0, 2.0], requires_grad=True)
with torch.no_grad():
    y = x * 2
torch.no_grad()
z = x ** 2
print(y.requires_grad, z.requires_grad)
z.sum().backward()
torch.set_grad_enabled(False)
w = x * 3
torch.set_grad_enabled(True)
print(w.requires_grad, x.grad)
""",
    'a_throwaway_loop_name': """import torch
t = torch.eye(2, requires_grad=True)
a = torch.ones(2, requires_grad=True)
for __ in range(2):
    loss = ((t @ a) ** 2).sum()
    loss.backward()
print(t.grad, a.grad)
""",
    'tensor_facts_through_getattr': """import torch

def info(tensor):
    parts = []
    for name in ['requires_grad', 'is_leaf', 'retains_grad', 'grad']:
        parts.append(f'{name}({getattr(tensor, name, None)})')
    return ' '.join(parts)

x = torch.tensor(5.0, requires_grad=True)
y = x ** 3
z = torch.log(y)
print(info(x), info(y), info(z))
z.backward()
print(info(x), info(y), info(z))
print(y.grad, z.grad, x.grad)
""",
}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    assert reference["no_grad_called_outside_a_with"]["stdout"].splitlines() == [
        "False True", "False tensor([2., 4.])"]
    facts = reference["tensor_facts_through_getattr"]["stdout"]
    assert "is_leaf(False) retains_grad(False) grad(None)" in facts
    assert "is_leaf(True) retains_grad(False) grad(0.6000000238418579)" in facts
    assert reference["a_throwaway_loop_name"]["grads"]["a"] == [4.0, 4.0]


def test_numpy_of_a_leaf_that_requires_grad_is_allowed_under_no_grad() -> None:
    """torch lets `w.numpy()` through under no_grad (and refuses it outside): read so."""
    import torch
    from test_corpus import engine_side

    w = torch.ones(2, requires_grad=True)
    with torch.no_grad():
        w.numpy()  # torch's own answer: no error here
    code = ("import torch\nw = torch.ones(2, requires_grad=True)\n(w * 2).sum().backward()\n"
            "with torch.no_grad():\n    a = w.numpy()\nprint(a.sum())\n")
    assert engine_side(code)["error"] is None
    outside = engine_side(code.replace("with torch.no_grad():\n    a = w.numpy()",
                                       "a = w.numpy()"))
    assert outside["error"]["message"].startswith("Can't call numpy() on Tensor that requires")
