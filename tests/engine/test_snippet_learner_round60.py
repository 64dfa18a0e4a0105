"""Forms met in unseen learner code, each against plain torch in a subprocess: a backward
inside an f-string a print shows (made, then printed as its None); torch.linspace with
start=, end=, steps= by name; traceback.print_exc() in an except and RecursionError named
there; torch.Tensor.cpu(y) and its kin called through the class; a dict made holding a .grad
itself, which a later backward adds to (computing with it after that is refused; it was
read as the numbers of the line that made the dict); a tensor's method named without the
call (`y = x2.detach`, later called or left alone), and Python's TypeError where it is
computed with; `import torch.nn.parallel` of a course's header and an unused `import io`,
refused only where used."""

from __future__ import annotations

from typing import Any

from snippet_agreement import agreement_tests
from test_corpus import engine_side

SNIPPETS = {
    'a_backward_inside_a_printed_f_string': """import torch
x = torch.tensor([1., 2.], requires_grad=True)
z = (x * 3).sum()
print(f"to calculate gradient (dz/dx): {z.backward()}. This makes a vector-Jacobian product")
print(x.grad)
print("grad", x.grad, "then", (x ** 2).sum().backward(), x.grad)
""",
    'linspace_arguments_by_name': """import torch
doses = torch.linspace(start=0, end=1, steps=11)
w = torch.tensor(2.0, requires_grad=True)
(torch.relu(doses * w - 0.5) ** 2).sum().backward()
print(w.grad)
""",
    'traceback_printed_in_an_except': """import torch
w = torch.tensor([1.0, 2.0], requires_grad=True)
try:
    (w * 2).backward()
except RecursionError as e:
    print("too deep", e)
except Exception as e:
    print(f"Error: {type(e).__name__}: {e}")
    import traceback
    traceback.print_exc()
(w * w).sum().backward()
print(w.grad)
""",
    'tensor_methods_called_through_the_class': """import torch
x = torch.tensor([1., 2.], requires_grad=True)
y = x * 3
torch.Tensor.cpu(y)
print(torch.Tensor.item(y.sum()), torch.Tensor.numpy(torch.Tensor.detach(y)))
y.sum().backward()
print(x.grad)
""",
    'a_dict_holding_a_grad_shown_after_another_backward': """import torch
w = torch.tensor([1., 2.], requires_grad=True)
(w * w).sum().backward()
d = {'g': w.grad}
(w * 3).sum().backward()
print(d['g'], w.grad)
""",
    'a_method_named_without_its_call': """import torch
torch.manual_seed(0)
x2 = torch.randn(3, requires_grad=True)
y = x2.detach
print(y)
f = (x2 > 0).float
z = f() * x2
z.sum().backward()
g = x2.sum
print(g().item(), x2.grad)
""",
    'an_unused_parallel_import': """import torch
import torch.nn as nn
import torch.nn.parallel
w = torch.ones(2, requires_grad=True)
(w * 3).sum().backward()
print(w.grad)
""",
    'an_unused_io_import': """import io
import torch
w = torch.ones(2, requires_grad=True)
(w * 3).sum().backward()
print(w.grad)
""",
    'a_method_computed_with': """import torch
x = torch.ones(2, requires_grad=True)
y = x.detach
z = y + 1
""",
}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    printed = reference["a_backward_inside_a_printed_f_string"]["stdout"]
    # print's arguments are read before it prints: x.grad is the tensor the backward adds to
    assert "(dz/dx): None." in printed and "grad tensor([5., 7.]) then None" in printed
    assert reference["a_backward_inside_a_printed_f_string"]["grads"]["x"] == [5.0, 7.0]
    assert reference["linspace_arguments_by_name"]["grads"]["w"] > 0
    assert "Error: RuntimeError" in reference["traceback_printed_in_an_except"]["stdout"]
    assert reference["tensor_methods_called_through_the_class"]["grads"]["x"] == [3.0, 3.0]
    assert reference["a_method_computed_with"]["error"] == {
        "type": "TypeError",
        "message": "unsupported operand type(s) for +: 'builtin_function_or_method' and 'int'"}


def test_computing_with_a_grad_a_dict_holds_after_another_backward_is_refused() -> None:
    """torch's d['g'] is w.grad, which the second backward added to: [5, 7], not [2, 4]."""
    refused = engine_side("import torch\nw = torch.tensor([1., 2.], requires_grad=True)\n"
                          "(w * w).sum().backward()\nd = {'g': w.grad}\n"
                          "(w * 3).sum().backward()\n(w * d['g']).sum().backward()\n")
    assert "uses a .grad in a later computation" in refused["refused"]


def test_a_model_run_in_parallel_is_refused_as_outside() -> None:
    refused = engine_side("import torch\nimport torch.nn as nn\nimport torch.nn.parallel\n"
                          "m = nn.parallel.DataParallel(nn.Linear(2, 1))\n")["refused"]
    assert "running a model over several devices (torch.nn.parallel) is outside" in refused


def test_a_file_in_memory_is_refused_as_outside() -> None:
    refused = engine_side("import io\nimport torch\nf = io.StringIO('1,2')\n")["refused"]
    assert "files in memory and streams (io) are outside" in refused
