"""Forms met in a fifth round of learner snippets, each read as plain torch runs it (in a
subprocess): a value computed from a .grad that is only displayed, a loop printing what
torch.autograd.grad returned, retain_grad() on a tensor outside the graph, `_ =
torch.manual_seed(0)`, torch.empty(...) filled by .random_/.uniform_/.normal_, an unused
`from functools import partial`, torch.diagflat, torch's error inside a print, hooks that
only look. And the refusals that stay, with why."""

from __future__ import annotations

from typing import Any

import pytest
from snippet_agreement import agreement_tests
from test_corpus import agrees, engine_side
from torch_reference import by_name

SNIPPETS = {
    # a comparison of x.grad with a hand derivation, bound to a new name and printed
    "grad_compared_and_printed": """import torch
x = torch.tensor([0.5, -1.0], requires_grad=True)
a = torch.sigmoid(x).sum()
output = torch.sigmoid(x).detach().clone()
a.backward()
manual = output * (1 - output)
equals = torch.isclose(x.grad, manual).all().item()
print("equal:", equals)
w = torch.tensor(3.0, requires_grad=True)
(w * w).backward()
""",
    # the answers of torch.autograd.grad printed in a loop whose variable shadows `grad`
    "grad_answers_printed_in_a_loop": """import torch
from torch.autograd import grad
x = torch.tensor([3.], requires_grad=True)
w = torch.tensor([2.], requires_grad=True)
a = torch.relu(x * w + 1)
d_x = grad(a, x, retain_graph=True)
d_w = grad(a, w, retain_graph=True)
for name, grad in zip("xw", (d_x, d_w)):
    print('d_a_%s:' % name, grad)
a.backward()
""",
    # torch: "can't retain_grad on Tensor that has requires_grad=False", at that line
    "retain_grad_outside_the_graph": """import torch
w = torch.tensor([1.], requires_grad=True)
w.requires_grad_(False)
x = torch.tensor([2.], requires_grad=True)
a = w + x
a.retain_grad()
b = torch.add(w, 1)
b.retain_grad()
(a * b).backward()
""",
    "seed_assigned_to_underscore": """import torch
_ = torch.manual_seed(3)
x = torch.randn(4, requires_grad=True)
(x * x).sum().backward()
""",
    "empty_filled_by_random_draws": """import torch
from torch import nn
torch.manual_seed(0)
input = torch.randn(3, 5, requires_grad=True)
target = torch.empty(3, dtype=torch.long).random_(5)
w = torch.empty(5).uniform_(-1, 1)
w.requires_grad_(True)
n = torch.empty(2, 5).normal_(0.0, 2.0)
loss = nn.CrossEntropyLoss()(input * w, target) + (n @ w).sum()
loss.backward()
""",
    "diagflat_of_a_leaf": """import torch
p = torch.tensor([[0.2, 0.3], [0.5, 0.9]], requires_grad=True)
J = torch.diagflat(p) - torch.outer(p.flatten(), p.flatten())
K = torch.diagflat(p[0], 1)
(J * torch.arange(16.).reshape(4, 4)).sum().backward(retain_graph=True)
(K * K).sum().backward()
""",
    # torch's refusal inside a print's arguments stops the script there
    "numpy_of_a_leaf_printed": """import torch
a = torch.tensor([1, 2, 3.], requires_grad=True)
(a * a).sum().backward()
print(a.detach().numpy())
print("several numbers", torch.tensor([1.0, 2.0]).item())
""",
    # hooks that only look: a tensor hook storing the gradient, module hooks printing
    "hooks_that_only_look": """import torch
import torch.nn as nn
torch.manual_seed(0)
grads = []
fc = nn.Linear(2, 2)
def fwd(module, inp, out):
    print("forward", out)
def bwd(module, grad_input, grad_output):
    print("backward", grad_input, grad_output)
h1 = fc.register_forward_hook(fwd)
h2 = fc.register_full_backward_hook(bwd)
x = torch.randn(1, 2, requires_grad=True)
y = fc(x) * 3
y.register_hook(lambda g: grads.append(g))
y.sum().backward()
h1.remove()
h2.remove()
""",
    "functools_imported_unused": """import torch
from functools import partial
x = torch.tensor([1.0, 2.0], requires_grad=True)
(x ** 3).sum().backward()
""",
}


reference, test_matches_plain_torch = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    """The comparisons above are not vacuous: torch gave grads and raised where expected."""
    assert reference["grad_compared_and_printed"]["grads"]["w"] == 6.0
    assert reference["grad_compared_and_printed"]["stdout"] == "equal: True\n"
    assert reference["grad_answers_printed_in_a_loop"]["grads"]["x"] == [2.0]
    assert reference["diagflat_of_a_leaf"]["grads"]["p"][0][0] != 0.0
    assert "backward" in reference["hooks_that_only_look"]["stdout"]
    assert reference["numpy_of_a_leaf_printed"]["error"]["message"].startswith(
        "a Tensor with 2 elements cannot be converted to Scalar")
    assert reference["retain_grad_outside_the_graph"]["error"] == {
        "type": "RuntimeError",
        "message": "can't retain_grad on Tensor that has requires_grad=False"}
    drawn = reference["empty_filled_by_random_draws"]["grads"]["w"]
    assert len(drawn) == 5 and len(set(drawn)) == 5  # the draws reach w's gradient
    assert engine_side(SNIPPETS["empty_filled_by_random_draws"])["grads"]["w"] != \
        engine_side(SNIPPETS["empty_filled_by_random_draws"].replace(
            "torch.manual_seed(0)", "torch.manual_seed(1)"))["grads"]["w"]


H = "import torch\nx = torch.tensor([1.0, 2.0], requires_grad=True)\ny = (x * x).sum()\n"


@pytest.mark.parametrize(("body", "said"), [
    # a def called with a .grad may make calls of its own: not skipped as a display
    ("def again(g):\n    (x * g).sum().backward()\n    return 1\n"
     "y.backward()\nk = again(x.grad)\n",
     "line 8, column 1: k = again(x.grad) reads a .grad and calls backward in one statement"),
    ("import functools\nf = functools.reduce(torch.mul, [x, x])\n",
     "functools (reduce, caches, wraps) works on functions instead of computing, outside the "
     "computation Gradflow reads"),
    ("y.grad_fn.register_prehook(lambda g: (g[0] * 2,))\n",
     "a hook on a backward node works inside autograd's own machinery, outside the "
     "computation Gradflow reads"),
    ("t = (x * 2).uniform_(0, 1)\n", ".uniform_() is read on a tensor just made"),
    ("from torch.autograd.functional import hessian\n"
     "print(hessian(lambda v: (v ** 3).sum(), x.detach(), strict=True))\n",
     "strict=True is not supported"),
    ("fc = torch.nn.Linear(2, 2)\ndef bigger(m, g):\n    return (g[0] * 2,)\n"
     "fc.register_full_backward_pre_hook(bigger)\n",
     "a hook of .register_full_backward_pre_hook() that returns a replacement is not read"),
])
def test_what_stays_refused_says_why(body: str, said: str) -> None:
    refused = engine_side(H + body).get("refused", "")
    assert said in refused, refused


HOOKED = """import torch
grads = []
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = x * 2
z = y * 3
y.register_hook(lambda g: grads.append(g))
z.register_hook(lambda g: grads.append(g))
z.sum().backward()
print(grads)
"""


def test_a_list_a_hook_fills_holds_what_torch_put_there() -> None:
    """torch fills `grads` while backward runs (z's hook first: backward reaches z before
    y); the reader fills it after the call in the same order, so a leaf computed with it
    gets the .grad plain torch gives."""
    used = HOOKED + ("v = torch.ones(2, requires_grad=True)\n"
                     "(v * grads[0] + 10 * v * grads[1]).sum().backward()\n")
    theirs = by_name({"hooked": HOOKED, "used": used})
    assert agrees(engine_side(HOOKED), theirs["hooked"]) is None
    assert theirs["used"]["grads"]["v"] == [31.0, 31.0]  # grads == [z's 1s, y's 3s]
    assert agrees(engine_side(used), theirs["used"]) is None
