"""Forms met in unseen code from questions and issues, each against plain torch in a
subprocess: torch.cdist (p by keyword and by position, batched); checkpoint with
use_reentrant=False, read as the function it runs (its gradients are the function's), also of
a function that calls autograd.grad with create_graph; a Jacobian written row by row from
autograd.grad's answers into a clone that requires grad; ModuleList.append and
Sequential.append / extend returning the container, as torch's do; @torch.jit.script and
torch.jit.script(f) or of a module, run as the function itself; gradient descent written with
120 autograd.grad calls, more than a document holds (the earlier ones run while read)."""

from __future__ import annotations

from typing import Any

import pytest
from snippet_agreement import agreement_tests

from engine.snippets.reader import ImportError_, import_snippet

SNIPPETS = {
    'cdist_with_p_by_keyword_and_by_position': """import torch
torch.manual_seed(0)
a = torch.randn(4, 3, requires_grad=True)
b = torch.randn(5, 3, requires_grad=True)
d = torch.cdist(a, b)
d1 = torch.cdist(a, b, p=1.0)
loss = d.sum() + (d1 ** 2).mean() + torch.cdist(a.unsqueeze(0), b.unsqueeze(0), 3).sum()
loss.backward()
print(d.shape, a.grad, b.grad)
""",
    'checkpoint_without_reentry_keeps_grads': """import torch
import torch.utils.checkpoint as cp
torch.manual_seed(0)
lin = torch.nn.Linear(3, 3)
def block(h, scale=1.0):
    return torch.tanh(lin(h)) * scale
x = torch.randn(2, 3, requires_grad=True)
h = cp.checkpoint(block, x, use_reentrant=False)
h = torch.utils.checkpoint.checkpoint(block, h, use_reentrant=False, scale=2.0)
h.pow(2).sum().backward()
print(x.grad, lin.weight.grad)
""",
    'checkpoint_of_a_function_calling_autograd_grad': """import torch
from torch.utils.checkpoint import checkpoint

def run_fn(tensor):
    print('Running with use_reentrant=False and autograd.grad')
    y = tensor.exp()
    z = y.sum()
    grads = torch.autograd.grad(z, tensor, create_graph=True)
    return grads[0]

x = torch.tensor([1.0, 2.0], requires_grad=True)
y = checkpoint(run_fn, x, use_reentrant=False)
z = y.sum()
z.backward()
print('Grad with use_reentrant=False', x.grad)
""",
    'jacobian_rows_written_from_autograd_grad_answers': """import torch
x = torch.tensor([[1.0, 2.0]], requires_grad=True)
z = x ** 2
E = torch.eye(2, requires_grad=True).unsqueeze(0).expand(1, 2, 2)
J1 = E.clone()
for i in range(2):
    v1 = torch.zeros_like(x)
    v1[:, i] = 1
    J1[:, i, :] = torch.autograd.grad(z, x, v1, retain_graph=True)[0]
print(J1)
J1.sum().backward()
""",
    'module_list_append_returns_the_list': """import torch
from torch import nn
torch.manual_seed(0)
net = nn.ModuleList([])
for h in [3, 4]:
    net.append(nn.Linear(2 if h == 3 else 3, h))
    net.append(nn.Tanh())
net = net.append(nn.Linear(4, 1))
seq = nn.Sequential().append(nn.Linear(2, 2)).extend([nn.ReLU()])
x = torch.ones(1, 2, requires_grad=True)
z = seq(x)
for m in net:
    z = m(z)
z.sum().backward()
print(len(net), x.grad)
""",
    'torchscript_function_and_module_run_as_themselves': """import torch
torch.manual_seed(0)
@torch.jit.script
def f(a):
    return (a + 100) * 5
def g(t):
    return torch.sin(t) * t
gs = torch.jit.script(g)
lin = torch.jit.script(torch.nn.Linear(2, 1))
a = torch.tensor(0.5, requires_grad=True)
x = torch.tensor([[1.0, 2.0]], requires_grad=True)
(f(a) + gs(a) + lin(x).sum()).backward()
print(a.grad, x.grad)
""",
    'gradient_descent_by_more_autograd_grad_calls_than_a_document_holds': """import torch
x = torch.tensor([3.0, -1.0], requires_grad=True)
for i in range(120):
    f = (x[0] + 10.0 * x[1]) ** 2 + (x[0] - 1) ** 4
    g = torch.autograd.grad(f, x)
    x = x - 1e-3 * g[0]
print(x)
""",
}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    assert reference["cdist_with_p_by_keyword_and_by_position"]["stdout"].startswith(
        "torch.Size([4, 5])")
    # d/dx sum(e^x) with create_graph, then its sum's backward: e^x again
    grads = reference["checkpoint_of_a_function_calling_autograd_grad"]["grads"]
    assert grads["x"] == pytest.approx([2.718281828, 7.389056099])
    assert reference["jacobian_rows_written_from_autograd_grad_answers"]["stdout"].startswith(
        "tensor([[[2., 0.],\n         [0., 4.]]], grad_fn=<CopySlices>)")
    assert reference["module_list_append_returns_the_list"]["stdout"].startswith("5 ")
    assert reference["torchscript_function_and_module_run_as_themselves"]["grads"]["a"] == \
        pytest.approx(5 + 0.479425538 + 0.5 * 0.877582562)


def test_the_long_descent_moves_x_as_torch_does(reference: dict[str, dict[str, Any]]) -> None:
    out = reference["gradient_descent_by_more_autograd_grad_calls_than_a_document_holds"]
    assert len(out["grad_answers"]) == 120 and out["stdout"].startswith("tensor([")


def test_a_reentrant_checkpoint_is_refused_saying_what_is_read() -> None:
    with pytest.raises(ImportError_, match=r"line 4, column 5: torch.utils.checkpoint."
                       r"checkpoint is read with use_reentrant=False"):
        import_snippet("import torch\nfrom torch.utils.checkpoint import checkpoint\n"
                       "x = torch.ones(2, requires_grad=True)\ny = checkpoint(torch.sin, x)\n")
