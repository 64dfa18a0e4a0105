"""`y.grad_fn` walked by hand, as autograd tutorials do: `.next_functions` (torch's order,
None for an input that needs no gradient, AccumulateGrad for a leaf), `.name()`,
`type(g).__name__`, an AccumulateGrad's `.variable` (the leaf itself: `is` and id()), `is`
and `==` between nodes. Each snippet collects what it read into `found` and prints it: plain
torch's print (in a subprocess) is compared with what the importer holds in `found`. What
Gradflow cannot answer truthfully is refused at its line."""

from __future__ import annotations

from typing import Any

import pytest
from snippet_agreement import agreement_tests
from test_corpus import engine_side

from engine.snippets.grad_fn_values import GradFn
from engine.snippets.reader import _read
from engine.snippets.safety import parse, scan
from engine.snippets.values import Number, Pending, Py, Ref, Value

SNIPPETS = {
    'walk_with_constants_and_a_plain_number': """import torch
torch.manual_seed(0)
x = torch.rand(3, requires_grad=True)
w = torch.rand(3)
b = torch.tensor(0.5, requires_grad=True)
y = (x * w + b) ** 2 - 1
loss = y.mean()
g = loss.grad_fn
sub = g.next_functions[0][0]
pw = sub.next_functions[0][0]
add = pw.next_functions[0][0]
mul = add.next_functions[0][0]
found = {"top": g.name(), "sub": sub.name(), "sub_next": len(sub.next_functions),
         "sub_second": sub.next_functions[1][0] is None, "pow": type(pw).__name__,
         "pow_next": len(pw.next_functions), "add": add.name(),
         "b_leaf": type(add.next_functions[1][0]).__name__,
         "b_is_b": add.next_functions[1][0].variable is b,
         "mul": mul.name(), "w_none": mul.next_functions[1][0] is None,
         "w_nr": mul.next_functions[1][1], "x_is_x": mul.next_functions[0][0].variable is x,
         "x_ids": id(mul.next_functions[0][0].variable) == id(x),
         "x_leaf_is_b_leaf": mul.next_functions[0][0] is add.next_functions[1][0],
         "leaf_fn": x.grad_fn is None, "w_fn": w.grad_fn, "again": g is loss.grad_fn,
         "equal": sub == g.next_functions[0][0], "differ": sub != g,
         "a_node": isinstance(g, torch.autograd.graph.Node)}
loss.backward()
print(found)
""",
    'one_leaf_used_twice_and_a_diamond': """import torch
x = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
y = x * x
a = x.exp()
z = a * a.sin()
first, second = y.grad_fn.next_functions
dir(y.grad_fn)
y.grad_fn.next_functions
left = z.grad_fn.next_functions[0][0]
right = z.grad_fn.next_functions[1][0]
found = {"same_leaf": first[0] is second[0], "nrs": (first[1], second[1]),
         "diamond": left is right.next_functions[0][0], "exp": left.name(),
         "sin": right.name(), "kinds": [f.name() for f, _ in y.grad_fn.next_functions]}
c = torch.cat([x, a])
found["cat"] = (c.grad_fn.name(), len(c.grad_fn.next_functions),
                c.grad_fn.next_functions[1][0] is left)
(y.sum() + z.sum()).backward()
print(found)
""",
    'walked_after_backward_in_a_loop': """import torch
torch.manual_seed(1)
w = torch.randn(2, 2, requires_grad=True)
x = torch.randn(2)
h = torch.matmul(x, w)
out = torch.nn.MSELoss()(h.tanh(), torch.zeros(2))
out.backward()
names = []
fn = out.grad_fn
while fn is not None:
    names.append(fn.name())
    nxt = [f for f, _ in fn.next_functions if f is not None]
    fn = nxt[0] if nxt else None
found = {"names": names}
print(found)
""",
    'linear_layer_graph': """import torch
torch.manual_seed(2)
layer = torch.nn.Linear(3, 2)
x = torch.randn(4, 3)
loss = layer(x).relu().sum()
g = loss.grad_fn.next_functions[0][0].next_functions[0][0]
found = {"relu": loss.grad_fn.next_functions[0][0].name(), "linear": g.name(),
         "n": len(g.next_functions),
         "inputs": [None if f is None else f.name() for f, _ in g.next_functions]}
loss.backward()
print(found)
""",
    'str_of_a_node': """import torch
x = torch.ones(2, requires_grad=True)
y = (x + 1).sum()
found = {"str": str(y.grad_fn).split(" ")[0], "leaf": str(
    y.grad_fn.next_functions[0][0].next_functions[0][0]).split(" ")[0]}
y.backward()
print(found)
""",
}
REFUSED = {
    'custom_function_graph': """import torch
class Double(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2
    @staticmethod
    def backward(ctx, g):
        return g * 2
x = torch.ones(2, requires_grad=True)
y = Double.apply(x).sum()
g = y.grad_fn.next_functions[0][0]
y.backward()
""",
    'hook_on_a_node': """import torch
x = torch.ones(2, requires_grad=True)
y = (x * 3).sum()
y.grad_fn.register_hook(lambda gi, go: None)
y.backward()
""",
    'metadata_of_a_node': """import torch
x = torch.ones(2, requires_grad=True)
y = (x * 3).sum()
m = y.grad_fn.metadata
y.backward()
""",
    'saved_tensor_of_a_node': """import torch
x = torch.ones(2, requires_grad=True)
y = (x * x).sum()
s = y.grad_fn.next_functions[0][0]._saved_self
y.backward()
""",
    'transposed_by_t': """import torch
A = torch.randn(3, 2, requires_grad=True)
y = (A.t() * 2).sum()
g = y.grad_fn
""",
    'linear_without_bias': """import torch
layer = torch.nn.Linear(3, 2, bias=False)
out = layer(torch.ones(4, 3)).sum()
top = out.grad_fn.next_functions[0][0]
""",
    'three_tensors_in_one_cat': """import torch
a = torch.ones(2, requires_grad=True)
y = torch.cat([a, a * 2, a * 3])
g = y.grad_fn
""",
    'after_an_update': """import torch
w = torch.ones(2, requires_grad=True)
loss = (w * w).sum()
loss.backward()
with torch.no_grad():
    w -= 0.1 * w.grad
g = loss.grad_fn
""",
}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def _plain(value: Value | Any) -> Any:
    """What a name of the importer holds, as the plain script would print it."""
    if isinstance(value, Number):
        return value.value
    if isinstance(value, Py):
        inner = value.value
        if isinstance(inner, list | tuple):
            items = [_plain(v) for v in inner]
            return items if isinstance(inner, list) else tuple(items)
        if isinstance(inner, dict):
            return {k: _plain(v) for k, v in inner.items()}
        assert not isinstance(inner, GradFn), "compare the node's name, not the node"
        return inner
    assert not isinstance(value, Pending | Ref), "the snippet collects plain values only"
    return value


def _found(code: str) -> Any:
    tree = parse(code)
    importer = _read(tree, scan(tree), 0, {}, layout=False)
    return _plain(importer.env["found"])


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_what_the_walk_reads_is_what_torch_prints(name: str,
                                                   reference: dict[str, Any]) -> None:
    printed = reference[name]["stdout"].strip().splitlines()[-1]
    assert reference[name]["error"] is None
    assert repr(_found(SNIPPETS[name])) == printed


def test_the_reference_reads_real_nodes(reference: dict[str, Any]) -> None:
    # the snippets' own answers, from plain torch: the comparison above is not vacuous
    printed = reference["walk_with_constants_and_a_plain_number"]["stdout"]
    for part in ("'top': 'MeanBackward0'", "'sub': 'SubBackward0'", "'sub_next': 2",
                 "'sub_second': True", "'pow': 'PowBackward0'", "'pow_next': 1",
                 "'b_leaf': 'AccumulateGrad'", "'b_is_b': True", "'w_none': True",
                 "'x_is_x': True", "'x_ids': True", "'x_leaf_is_b_leaf': False",
                 "'w_fn': None", "'again': True", "'equal': True", "'a_node': True"):
        assert part in printed
    assert "'same_leaf': True" in reference["one_leaf_used_twice_and_a_diamond"]["stdout"]
    assert "'diamond': True" in reference["one_leaf_used_twice_and_a_diamond"]["stdout"]
    assert "AddmmBackward0" in reference["linear_layer_graph"]["stdout"]


@pytest.mark.parametrize(("name", "where", "words"), [
    ("custom_function_graph", "line 11, column 5", "a custom autograd.Function"),
    ("hook_on_a_node", "line 4, column 1", "a hook on a backward node"),
    ("metadata_of_a_node", "line 4, column 5", ".metadata of a backward node is not read"),
    ("saved_tensor_of_a_node", "line 4, column 5", "._saved_self of a backward node is not read"),
    ("transposed_by_t", "line 4, column 5", "the graph reaches A.t() (read as transpose)"),
    ("linear_without_bias", "line 4, column 7", "(read as transpose)"),
    ("three_tensors_in_one_cat", "line 4, column 5", "torch.cat([a, a * 2, a * 3]) (read as cat)"),
    ("after_an_update", "line 7, column 5", "was computed before the update at line 6"),
])
def test_what_cannot_be_answered_truthfully_is_refused_at_its_line(
        name: str, where: str, words: str) -> None:
    refused = engine_side(REFUSED[name])["refused"]
    assert refused.startswith(where), refused
    assert words in refused
