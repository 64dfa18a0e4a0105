"""Forms met in a sixth round of learner snippets, each read as plain torch runs it (in a
subprocess): torch's functions imported by name (`from torch import tensor, zeros`),
Variable of an integer tensor, in-place updates through x.detach() (of a leaf by index, of a
computed tensor by .zero_()/.fill_()), a bare `vars(layer)`, the values of x.max(dim)
updated in place, x.flatten() of a 1-d tensor (x itself), in-place methods such as
.scatter_() on a tensor without gradient, and an in-place update of a constant an op saved.
And the refusals that replace silent wrong answers, with why."""

from __future__ import annotations

from typing import Any

import pytest
from snippet_agreement import agreement_tests
from test_corpus import engine_side

SNIPPETS = {
    "torch_functions_imported_by_name": """from torch import tensor, zeros, manual_seed, randn
from torch.nn.functional import relu
from torch.nn import Linear
manual_seed(0)
x = tensor([1., -2.], requires_grad=True)
w = randn(2, requires_grad=True)
fc = Linear(2, 1)
y = zeros(2)
y[0] = 3.0
(relu(x * w) * y + fc(x).sum()).sum().backward()
""",
    # torch's words differ by how the flag is set: Variable(...) as at creation
    "variable_of_an_int_tensor": """import torch
from torch.autograd import Variable
x = Variable(torch.arange(1, 4), requires_grad=True)
""",
    # y shares x's memory: x holds 2. before (x * x) uses it
    "detach_of_a_leaf_set_by_index": """import torch
x = torch.tensor([1.0, 3.0], requires_grad=True)
y = x.detach()
y[0] = 2.0
(x * x).sum().backward()
""",
    # the migration guide's example: sigmoid saved its output, which c.zero_() changed
    "detach_of_a_computed_zeroed": """import torch
a = torch.tensor([1, 2, 3.], requires_grad=True)
out = a.sigmoid()
c = out.detach()
c.zero_()
out.sum().backward()
""",
    "detach_of_a_computed_filled": """import torch
x = torch.tensor([1.0, 3.0], requires_grad=True)
z = x * 2
y = z.detach()
y.fill_(5.0)
(z + 1).sum().backward()
q = torch.tensor([2.0], requires_grad=True)
""",
    "vars_of_a_layer_displayed": """import torch
from torch import nn
torch.manual_seed(0)
lin0 = nn.Linear(2, 2)
vars(lin0)
print(vars(lin0))
lin0(torch.ones(1, 2)).sum().backward()
""",
    # torch's values of max(dim) are a tensor of their own: setting one changes nothing else
    "max_values_set_in_place": """import torch
x = torch.tensor([[1., 5.], [3., 2.]], requires_grad=True)
v, i = torch.max(x, 0)
w = v * 2
v[1] = 10.
u, j = x.max(dim=1, keepdim=True)
u[0] = 0.
(w + v).sum().backward()
(u * u).sum().backward()
""",
    # x.flatten() of a 1-d x is x itself, so the update reaches x (the forum's sqrt example)
    "flatten_of_1d_updated": """import torch
x = torch.tensor([[1., 5., 2.], [3., 2., 4.]], requires_grad=True)
res, idxs = torch.max(x, 0)
res.flatten()[::2] = 0.0
torch.sqrt(res + 1).sum().backward()
""",
    "in_place_methods_of_a_constant": """import torch
x = torch.zeros(2, 3)
idx = torch.tensor([[0, 1, 2], [2, 1, 0]])
onehot = x.scatter_(1, idx, torch.ones(2, 3) * 2).float()
w = torch.ones(2, 3, requires_grad=True)
(w * x).sum().backward()
x.clamp_(0, 0.5)
m = torch.zeros(3)
m.index_fill_(0, torch.tensor([1]), 2.0)
(w * x).sum().backward()
v = torch.ones(3, requires_grad=True)
(v * m).sum().backward()
""",
    # mul saved m; torch raises at the backward that needs it
    "index_fill_of_a_constant_saved_before": """import torch
w = torch.ones(3, requires_grad=True)
m = torch.zeros(3)
a = w * m
m.index_fill_(0, torch.tensor([1]), 2.0)
b = (w * m).sum() + a.sum()
b.backward()
""",
    "setitem_of_a_constant_saved_before": """import torch
w = torch.ones(3, requires_grad=True)
m = torch.zeros(3)
a = w * m
m[1] = 2.0
b = (w * m).sum() + a.sum()
b.backward()
""",
}


reference, test_read_as_plain_torch_runs_it = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    """The comparisons above are not vacuous: torch gave these grads and raised these."""
    assert reference["detach_of_a_leaf_set_by_index"]["grads"]["x"] == [4.0, 6.0]
    assert reference["detach_of_a_computed_filled"]["grads"]["x"] == [2.0, 2.0]
    # v[1] = 10. cuts x[0][1] from (w + v) but not from w; u[0] = 0. cuts x[0][1] from u * u
    assert reference["max_values_set_in_place"]["grads"]["x"] == [[0.0, 2.0], [9.0, 0.0]]
    # only the max kept (5., at x[0][1]) reaches x: d sqrt(5 + 1) = 1 / (2 sqrt 6)
    flat = reference["flatten_of_1d_updated"]["grads"]["x"]
    assert flat[1] == [0.0, 0.0, 0.0] and flat[0][0] == flat[0][2] == 0.0
    assert abs(flat[0][1] - 1 / (2 * 6 ** 0.5)) < 1e-6
    assert reference["in_place_methods_of_a_constant"]["grads"]["v"] == [0.0, 2.0, 0.0]
    assert reference["in_place_methods_of_a_constant"]["grads"]["w"] == [
        [2.5, 2.5, 2.5], [2.5, 2.5, 2.5]]
    assert reference["variable_of_an_int_tensor"]["error"]["message"] == \
        "Only Tensors of floating point and complex dtype can require gradients"
    for name in ("detach_of_a_computed_zeroed", "index_fill_of_a_constant_saved_before",
                 "setitem_of_a_constant_saved_before"):
        assert "modified by an inplace operation" in reference[name]["error"]["message"]
    assert reference["torch_functions_imported_by_name"]["grads"]["x"][1] != 0.0


H = "import torch\nx = torch.tensor([1.0, 2.0], requires_grad=True)\ny = (x * x).sum()\n"


@pytest.mark.parametrize(("body", "said"), [
    # (c = out.data; c.zero_() and d = x.data; d[0] = 5. are read as torch computes them:
    # test_snippet_data_writes.py)
    # torch changes the gradient add hands on to both sides in place: x's gradient too
    ("def h(grad):\n    grad *= 100\nu = x * 2\nu.register_hook(h)\n(u + x).sum().backward()\n",
     "the hook changes the gradient it is given in place (grad *= 100), and its one use, "
     "add (add), hands on the gradient it received itself"),
    ("def h(g):\n    if g.sum() > 0:\n        g.mul_(2)\n    return g\nx.register_hook(h)\n",
     "the hook changes the gradient it is given in place (g.mul_(2)) in a way that is not "
     "read"),
    ("back = y.grad_fn\ndx = back(torch.tensor(1.))\n",
     "line 5, column 6: back(torch.tensor(1.0)) calls a backward node by hand: that runs "
     "autograd's own machinery, outside the computation Gradflow reads"),
    ("m = torch.zeros(2)\nm.scatter_(0, torch.tensor([0]), x)\n",
     "the in-place .scatter_() of a tensor with a value that carries a gradient is not "
     "supported"),
    ("m = torch.zeros(2)\nm.bernoulli_(0.5)\n", "the in-place .bernoulli_() is not supported"),
    ("fc = torch.nn.Linear(2, 2)\nv = vars(fc)\n", "vars(...) is not supported"),
])
def test_what_stays_refused_says_why(body: str, said: str) -> None:
    refused = engine_side(H + body).get("refused", "")
    assert said in refused, refused
