"""An array that shares its memory with a tensor, changed in place, changes the tensor as
torch's memory does, each against plain torch in a subprocess: `t1.detach().numpy()` set to
100 (a learner's demo that detach shares memory), `+=` then an item, a write after forward
that backward then reads (autograd saved the tensor), gradient descent written on the
array, and an array given to torch.from_numpy; where the write would be a step outside the
computation Gradflow reads, the refusal names the array's line."""

from __future__ import annotations

from typing import Any

import pytest
from snippet_agreement import agreement_tests

from engine.snippets.reader import ImportError_, import_snippet

SNIPPETS = {
    'detach_shares_memory_demo': """import torch
t1 = torch.tensor(10, requires_grad=True, dtype=torch.float32)
n2 = t1.detach().numpy()
n2[...] = 100
print(t1, n2)
y = t1 * 3
y.backward()
print(t1.grad)
""",
    'array_added_to_then_an_item_written': """import torch
w = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
a = w.detach().numpy()
a += 1
a[0] = 0.5
z = (w ** 2).sum()
z.backward()
print(w, w.grad)
""",
    'written_after_forward_then_gradient_descent_on_the_array': """import torch
w = torch.tensor([1.0, 2.0], requires_grad=True)
y = (w * w).sum()
a = w.detach().numpy()
a[0] = 5.0
y.backward()
print(w, w.grad)
for step in range(3):
    w.grad = None
    loss = ((w - 1) ** 2).sum()
    loss.backward()
    arr = w.detach().numpy()
    arr -= 0.1 * w.grad.numpy()
print(w)
""",
    'array_doubled_after_from_numpy': """import torch
import numpy as np
c = np.array([1.0, 2.0])
ct = torch.from_numpy(c)
c *= 2
v = torch.tensor([1.0, 1.0], dtype=torch.float64, requires_grad=True)
(v * ct).sum().backward()
print(ct, v.grad)
""",
}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    assert reference["detach_shares_memory_demo"]["stdout"].startswith(
        "tensor(100., requires_grad=True) 100.0")
    assert reference["array_added_to_then_an_item_written"]["grads"]["w"] == [1.0, 6.0, 8.0]
    # backward reads the 5 written after forward: 2 * 5, and the steps start from [5, 2]
    assert reference["written_after_forward_then_gradient_descent_on_the_array"][
        "stdout"].startswith("tensor([5., 2.], requires_grad=True) tensor([10.,  4.])")
    assert reference["array_doubled_after_from_numpy"]["grads"]["v"] == [2.0, 4.0]


def test_a_write_after_backward_into_a_computed_tensor_names_the_arrays_line() -> None:
    with pytest.raises(ImportError_, match=r"line 6, column 1: a\[0\] = 9.0 writes into a "
                       r"tensor's memory \(t.detach\(\).numpy\(\) shares the tensor's "
                       r"memory\), as a write through .data: t.data changes the numbers of t "
                       r"after a backward on its graph"):
        import_snippet("import torch\nx = torch.tensor([1.0, 2.0], requires_grad=True)\n"
                       "t = x * 2\nt.sum().backward()\na = t.detach().numpy()\na[0] = 9.0\n")
