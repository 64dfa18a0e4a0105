"""Forms met in a round of unseen learner code and bug reports, each against plain torch in a
subprocess: an in-place call inside a print (`print(c.zero_())` changes the tensor, then
shows it: the detached output's zeros reach the graph that saved it), a custom Function none
of whose inputs requires grad (its output has no graph, whatever its forward made), `del`
of names and items (and Python's NameError for a name used after it, in a print too), and
torch.testing.assert_close. A module function ending in _ inside a print
(`print(clip_grad_norm_(p, 1))`) is not one of those in-place calls here."""

from __future__ import annotations

from typing import Any

from snippet_agreement import agreement_tests

SNIPPETS = {
    'an_in_place_call_inside_a_print': """import torch
a = torch.tensor([1, 2, 3.], requires_grad=True)
out = a.sigmoid()
c = out.detach()
print(c.zero_())
print(out)
out.sum().backward()
""",
    'a_function_whose_inputs_need_no_grad': """import torch

class Foo(torch.autograd.Function):
    @staticmethod
    def forward(ctx, indices, weights):
        with torch.enable_grad():
            return torch.ones(2, requires_grad=True)

    @staticmethod
    def backward(ctx, dout):
        return None, [torch.ones(1)]

weights = [torch.ones(1, requires_grad=True)]
out = Foo.apply(torch.ones(1), weights)
print(out.requires_grad)
out.sum().backward()
""",
    'del_of_names_and_items': """import torch
x = torch.ones(2, requires_grad=True)
y = x * 2
lst = [1, 2, 3]
d = {"a": 1, "b": 2}
del lst[0], d["a"]
z = y
del y
(z * len(lst) * d["b"]).sum().backward()
print(x.grad)
print(y)
""",
    'assert_close_of_torch': """import torch
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = x * 2
torch.testing.assert_close(y, torch.tensor([2.0, 4.0]))
y.sum().backward()
torch.testing.assert_close(y, torch.tensor([2.0, 4.5]))
""",
    'clipping_inside_a_print_then_the_grad_reset': """import torch
p = torch.ones(4, requires_grad=True)
for J in [p, p * 1e20, p * torch.tensor(float('inf'))]:
    J = J.sum()
    J.backward()
    print(torch.max(torch.abs(p.grad)))
    print(torch.nn.utils.clip_grad_norm_(p, 1))
    p.grad = None
q = (p * 3).sum()
q.backward()
""",
}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    assert "modified by an inplace operation" in str(
        reference["an_in_place_call_inside_a_print"]["error"])
    assert "does not require grad" in str(
        reference["a_function_whose_inputs_need_no_grad"]["error"])
    deleted = reference["del_of_names_and_items"]
    assert "NameError" in str(deleted["error"]) and deleted["grads"]["x"] == [8.0, 8.0]
    close = reference["assert_close_of_torch"]
    assert "AssertionError" in str(close["error"]) and close["grads"]["x"] == [2.0, 2.0]
