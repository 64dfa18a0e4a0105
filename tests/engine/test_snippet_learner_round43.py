"""Forms met in unseen learner code, each against plain torch in a subprocess: a class of
the snippet's own with a method named `_grad` (torch's private alias of .grad is the
tensor's, `self._grad()` is the snippet's), called through `__call__`; a function that
returns a number and a .grad together (`return loss.item(), w.grad`); torch.get_num_threads();
collections.defaultdict imported (harmless) and used (refused, saying what to write); a dual
tensor printed (torch's print unpacks it: not an answer of the script's) before its tangent is
read; a list worked off as a queue with pop() and insert()."""

from __future__ import annotations

from typing import Any

import pytest
from snippet_agreement import agreement_tests

from engine.snippets.reader import ImportError_, import_snippet

SNIPPETS = {
    'own_method_named_grad_called_through_call': """import torch
class Task:
    def __init__(self):
        self.x = torch.tensor(1.0, requires_grad=True)
        self.y = torch.tensor(3.0, requires_grad=True)
    def _func(self):
        return self.x ** 2 + 2 * self.x * self.y
    def _grad(self):
        self._func().backward()
        print(f"dx {self.x.grad}, dy {self.y.grad}")
    def __call__(self):
        self._grad()
if __name__ == "__main__":
    Task()()
    t = torch.tensor([2.0, -1.0], requires_grad=True)
    (t * t).sum().backward()
    print(t._grad)
""",
    'a_number_and_grads_returned_together': """import torch
def mse_with_gradients(x, y_true, w, b):
    mse = torch.mean((w * x + b - y_true) ** 2)
    mse.backward()
    grad_w = w.grad
    return mse.item(), grad_w, b.grad
x = torch.tensor([1.0, 2.0, 3.0])
y_true = torch.tensor([2.0, 4.0, 6.0])
w = torch.tensor(0.5, requires_grad=True)
b = torch.tensor(0.1, requires_grad=True)
mse, grad_w, grad_b = mse_with_gradients(x, y_true, w, b)
print(f"MSE: {mse}, dw: {grad_w}, db: {grad_b}")
""",
    'threads_set_from_their_count_and_an_unused_defaultdict': """import torch
from collections import defaultdict
torch.set_num_threads(min(4, torch.get_num_threads()))
torch.manual_seed(7)
fc = torch.nn.Linear(2, 3)
x = torch.tensor([[1.0, -1.0]])
fc(x).relu().sum().backward()
print(torch.get_num_threads() >= 1, fc.weight.grad)
""",
    'a_dual_tensor_printed_before_its_tangent_is_read': """import torch
import torch.autograd.forward_ad as fwAD
torch.manual_seed(0)
primal = torch.randn(3)
tangent = torch.randn(3)
with fwAD.dual_level():
    dual_input = fwAD.make_dual(primal, tangent)
    dual_output = dual_input ** 2 / 2.0
    print("dual output (look at tangent):", dual_output)
    jvp = fwAD.unpack_dual(dual_output).tangent
print(jvp, primal * tangent)
""",
    'a_queue_of_tensors_worked_off_with_pop_and_insert': """import torch
x = torch.tensor([1.0, 2.0], requires_grad=True)
queue = [x * 2, x.sum()]
queue.insert(0, x ** 2)
total = 0
while queue != []:
    item = queue.pop()
    total = total + item.sum()
first = [1, 2, 3].pop(0)
total.backward()
print(x.grad, first)
try:
    [].pop()
except IndexError as e:
    print(e)
""",
}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    # d/dx of sum(x^2) + sum(2x) + sum(x): 2x + 3
    assert reference["a_queue_of_tensors_worked_off_with_pop_and_insert"]["grads"]["x"] == [
        5.0, 7.0]
    answers = reference["a_dual_tensor_printed_before_its_tangent_is_read"]["functionals"]
    assert [a["function"] for a in answers] == ["jvp"]  # the script's one unpack_dual
    assert "dx 8.0, dy 2.0" in reference["own_method_named_grad_called_through_call"]["stdout"]
    # residuals w x + b - y = -1.4, -2.9, -4.4: dw = 2 mean(r x), db = 2 mean(r)
    residuals = [0.5 * x + 0.1 - 2 * x for x in (1.0, 2.0, 3.0)]
    grads = reference["a_number_and_grads_returned_together"]["grads"]
    assert abs(grads["w"] - 2 * sum(r * x for r, x in zip(residuals, (1.0, 2.0, 3.0),
                                                          strict=True)) / 3) < 1e-5
    assert abs(grads["b"] - 2 * sum(residuals) / 3) < 1e-5


def test_a_defaultdict_in_use_is_refused_with_what_to_write_instead() -> None:
    with pytest.raises(ImportError_, match=r"line 3, column 11: defaultdict\(list\): a "
                                           r"defaultdict is not read; write a plain dict"):
        import_snippet("import torch\nfrom collections import defaultdict\nhistory = "
                       "defaultdict(list)\n")
