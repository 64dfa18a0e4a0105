"""Forms met in an eighth round of learner snippets, each read as plain torch runs it (in a
subprocess): Python's types as a dtype (`dtype=float` is float64), itertools.product and a
starred sequence of numbers in a call, clamp_min/clamp_max, nn.ParameterList/ParameterDict,
torch.max(input=, other=), a def's *args/**kwargs/keyword-only parameters, the older
`torch.autograd.variable` import path, an in-place update of x.clone().detach(), and
`torch.FloatTensor(sizes)` filled at once (`.zero_()`); the errors are torch's (or Python's)
own words."""

from __future__ import annotations

from typing import Any

import torch
from snippet_agreement import agreement_tests
from test_corpus import agrees, engine_side
from torch_reference import by_name

SNIPPETS = {
    "python_types_as_dtype": """import torch
x = torch.arange(6, dtype=float).view(3, 2).requires_grad_(True)
w = torch.tensor([-1, 1])
k = torch.ones(2, dtype=int)
y = (x * x * w * k).sum(1)
y.backward(torch.ones_like(y))
""",
    "python_types_in_every_creation_and_cast": """import torch
torch.manual_seed(0)
a = torch.zeros(3, dtype=float, requires_grad=True)
b = torch.ones(3, dtype=float)
c = torch.tensor([1, 2, 3], dtype=float)
d = torch.arange(3, dtype=float)
e = torch.full((3,), 2, dtype=float)
f = torch.linspace(0, 1, 3, dtype=float)
g = torch.rand(3, dtype=float)
h = torch.ones_like(a, dtype=float)
k = torch.tensor([1.5, 2.5], dtype=int)
x = torch.tensor([1.5, 2.0], requires_grad=True)
m = x.to(float) * x.to(dtype=float) + x.to(int) + x.to(bool)
y = ((a + 1.1) * b * c * d * e * f * g * h).sum() + (a[:2] * k).sum() + m.sum()
y.backward()
""",
    "itertools_product_seeds": """import torch
import itertools
from itertools import product
x = torch.arange(3, dtype=float, requires_grad=True)
y = torch.stack([-x**3, 5*x])
ranges = [range(_) for _ in y.shape]
v1 = torch.tensor([1. if i == 0 else 0. for i, j in itertools.product(*ranges)]).view(*y.shape)
y.backward(v1, retain_graph=True)
x.grad.zero_()
v2 = torch.tensor([float(i + j) for i, j in product(range(2), repeat=2)][:2])
v2 = v2.view(2, 1).expand(*y.shape).contiguous()
y.backward(v2)
""",
    "starred_numbers_in_calls": """import torch
torch.manual_seed(0)
shape = (2, 3)
x = torch.randn(*shape, requires_grad=True)
w = torch.arange(6.).view(*x.shape)
y = (x * w).reshape(*shape[::-1]).sum()
y.backward()
""",
    "clamp_min_and_max_at_their_bounds": """import torch
x = torch.tensor([-1.0, 0.0, 0.5, 1.0, 2.0], requires_grad=True)
a = torch.clamp_min(x, 0.0)
b = x.clamp_max(1.0)
c = torch.clamp_max(x, max=0.5) * 3
(a * torch.arange(5.) + b * 2 + c).sum().backward()
""",
    "max_and_min_by_keyword": """import torch
x = torch.tensor([-1.0, 0.0, 2.0], requires_grad=True)
y = torch.tensor([0.5, 0.0, 1.0], requires_grad=True)
a = torch.max(input=x, other=torch.tensor(0.0))
b = torch.min(x, other=y)
c = x.max(other=y)
(a.sum() + b.sum() * 2 + (c * 3).sum()).backward()
""",
    "parameter_list_in_a_model": """import torch
from torch import nn
torch.manual_seed(0)
class Dense(nn.Module):
    def __init__(self):
        super().__init__()
        self.params = nn.ParameterList([nn.Parameter(torch.randn(3, 3)) for i in range(2)])
        self.params.append(nn.Parameter(torch.randn(3, 1)))
        self.params.extend([torch.ones(1, 1)])
    def forward(self, x):
        for i in range(len(self.params)):
            x = torch.mm(x, self.params[i])
        return x
net = Dense()
net(torch.ones(2, 3)).sum().backward()
first = net.params[0]
last = net.params[-1]
middle = net.params[1:3][1]
""",
    "parameter_list_unpacked_at_top_level": """import torch
from torch import nn
torch.manual_seed(0)
params = nn.ParameterList([nn.Parameter(torch.randn(2, 2)), nn.Parameter(torch.zeros(2))])
W, b = params
total = 0
for p in params:
    total = total + p.sum()
y = torch.tanh(torch.ones(1, 2) @ W + b).sum() + total
y.backward()
""",
    "parameter_dict_sorted_and_updated": """import torch
from torch import nn
torch.manual_seed(0)
class Dict(nn.Module):
    def __init__(self):
        super().__init__()
        self.params = nn.ParameterDict({'linear2': nn.Parameter(torch.randn(4, 1)),
                                        'linear1': nn.Parameter(torch.randn(4, 4))})
        self.params.update({'linear3': nn.Parameter(torch.randn(4, 2))})
    def forward(self, x, choice='linear1'):
        return torch.mm(x, self.params[choice])
net = Dict()
x = torch.ones(1, 4)
names = [k for k in net.params]
keys = list(net.params.keys())
total = sum(p.sum() for p in net.params.values())
for name, p in net.params.items():
    total = total + p.mean() * len(name)
(net(x, names[0]).sum() + net(x, keys[2]).pow(2).sum() + total).backward()
w1 = net.params['linear1']
w3 = net.params['linear3']
""",
    "star_args_kwargs_keyword_only": """import torch
from torch import nn
def f(a, *rest, scale=2.0, **opts):
    out = a * scale
    for r in rest:
        out = out + r
    if opts.get("square", False):
        out = out ** 2
    return out
class Centered(nn.Module):
    def __init__(self, **kwargs):
        super(Centered, self).__init__(**kwargs)
    def forward(self, x):
        return x - x.mean()
x = torch.tensor([1.0, 2.0], requires_grad=True)
args = (x, x * 3)
kw = {"square": True}
y = f(*args, scale=0.5, **kw).sum() + f(x, x, x).sum() + Centered()(x * x).pow(2).sum()
y.backward()
""",
    "old_variable_import_path": """import torch
from torch.autograd.variable import Variable
import torch.nn.functional as F
a = Variable(torch.FloatTensor([[0, 0, 0, 0, 0.1996]]), requires_grad=True)
b = F.normalize(a, p=1, dim=1)
b.sum().backward()
""",
    "in_place_of_a_detached_clone": """import torch
x2 = torch.tensor([0.5, 2.0, 3.0], requires_grad=True)
y2 = x2.clone().detach()
for i in range(len(x2)):
    if x2[i] > 2:
        y2[i] = torch.log2(x2[i])
    else:
        y2[i] = 2*x2[i]
y2.sum().backward()
""",
    # uninitialised memory filled at once: its first numbers never show
    "typed_tensor_sizes_then_filled": """import torch
from torch.autograd.variable import Variable
torch.manual_seed(0)
a = Variable(torch.FloatTensor(4, 3, 2).zero_(), requires_grad=True)
b = torch.Tensor(4, 3, 2).fill_(2.0)
c = torch.DoubleTensor(3).uniform_(-1, 1)
d = torch.FloatTensor(4, 3, 2).normal_()
e = (a * b + d).std(dim=0).mean() + (a + 1).norm()
e.backward()
k = (c * 2).sum()
""",
}


reference, test_read_as_plain_torch_runs_it = agreement_tests(SNIPPETS)


def test_the_reference_really_computes_what_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    """Not vacuous: the leaves compared have the gradients torch gave, none of them None."""
    for name, result in reference.items():
        assert result["error"] is None, name
        assert result["grads"] and all(g is not None for g in result["grads"].values()), name
    # d/dx of (x*x*w).sum(1) with w = [-1, 1]: 2x * w, in float64 as dtype=float makes it
    assert reference["python_types_as_dtype"]["grads"]["x"] == [[0.0, 2.0], [-4.0, 6.0],
                                                                 [-8.0, 10.0]]
    # clamp passes its gradient at the bound: a's at x=0 is 1 (times 1), b's at x=1 is 2
    assert reference["clamp_min_and_max_at_their_bounds"]["grads"]["x"] == [
        5.0, 6.0, 7.0, 5.0, 4.0]
    # the three parameters of the top-level list, and of the model's (its fourth added)
    assert set(reference["parameter_list_in_a_model"]["grads"]) == {"first", "last",
                                                                   "middle"}
    assert reference["in_place_of_a_detached_clone"]["grads"]["x2"][0] == 2.0


def test_dtype_float_is_float64_unless_the_name_is_the_snippets() -> None:
    ours = engine_side("import torch\nx = torch.ones(2, dtype=float, requires_grad=True)\n"
                       "(x * x).sum().backward()\n")
    assert ours["grads"]["x"] == [2.0, 2.0]
    shadowed = engine_side("import torch\nfloat = 3\nx = torch.ones(2, dtype=float)\n")
    assert "dtype float is not supported" in shadowed["refused"]


def said(ours: dict[str, Any]) -> str:
    """The refusal, or the error torch (or Python) raised, as the app reports it."""
    return ours["refused"] if "refused" in ours else ours["error"]["message"]


def _torch_error(action: Any) -> str:
    try:
        action()
    except Exception as exc:  # noqa: BLE001 - the text compared
        return str(exc)
    raise AssertionError("torch raised nothing")


def test_clamp_min_without_its_bound_is_torchs_error() -> None:
    ours = engine_side("import torch\nx = torch.ones(2, requires_grad=True)\n"
                       "y = torch.clamp_min(x)\n")
    assert said(ours) == _torch_error(lambda: torch.clamp_min(torch.ones(2)))
    other = engine_side("import torch\nx = torch.ones(2, requires_grad=True)\n"
                        "y = torch.clamp_min(x, max=1.0)\n")
    assert said(other) == _torch_error(lambda: torch.clamp_min(torch.ones(2), max=1.0))


def test_parameter_containers_raise_torchs_errors() -> None:
    head = ("import torch\nfrom torch import nn\n"
            "d = nn.ParameterDict({'a': nn.Parameter(torch.ones(1))})\n"
            "l = nn.ParameterList([nn.Parameter(torch.ones(1))])\n")
    stand_in_d = torch.nn.ParameterDict({"a": torch.nn.Parameter(torch.ones(1))})
    stand_in_l = torch.nn.ParameterList([torch.nn.Parameter(torch.ones(1))])
    cases = {"y = d['zz']": lambda: stand_in_d["zz"], "y = l[3]": lambda: stand_in_l[3],
             "y = l(torch.ones(1))": lambda: stand_in_l(torch.ones(1)),
             "y = d(torch.ones(1))": lambda: stand_in_d(torch.ones(1))}
    for line, action in cases.items():
        ours = engine_side(head + line + "\n")
        assert said(ours) == _torch_error(action), (line, ours)


def test_a_parameter_list_of_integers_is_torchs_error() -> None:
    ours = engine_side("import torch\nfrom torch import nn\n"
                       "l = nn.ParameterList([torch.tensor([1, 2])])\n")
    want = _torch_error(lambda: torch.nn.Parameter(torch.tensor([1, 2])))
    assert said(ours) == want


def test_python_binding_errors_are_pythons() -> None:
    code = ("import torch\ndef f(a, *, k):\n    return a\n"
            "x = torch.ones(1, requires_grad=True)\n")
    ours = engine_side(code + "y = f(x)\n")
    assert said(ours) == "f() missing 1 required keyword-only argument: 'k'"
    twice = engine_side(code + "y = f(x, a=x, k=1)\n")
    assert said(twice) == "f() got multiple values for argument 'a'"
    init = engine_side("import torch\nfrom torch import nn\nclass M(nn.Module):\n"
                       "    def __init__(self, **kw):\n        super().__init__(**kw)\n"
                       "m = M(scale=2)\n")
    assert said(init) == _torch_error(
        lambda: torch.nn.Module.__init__(torch.nn.Module(), scale=2))


def test_itertools_product_is_bounded_and_alone() -> None:
    ours = engine_side("import torch\nimport itertools\n"
                       "p = itertools.product(range(1000), range(1000), range(1000))\n")
    assert "product is" in ours["refused"] and "1,000,000,000 items" in ours["refused"]
    other = engine_side("import torch\nimport itertools\np = itertools.chain([1], [2])\n")
    assert "itertools.chain is not supported" in other["refused"]


def test_a_starred_call_is_read_once() -> None:
    """A starred list of numbers is unpacked; a starred part that calls something (it may
    draw random numbers) is not read twice to unpack it: refused where it is read."""
    code = ("import torch\ntorch.manual_seed(0)\nx = torch.randn(2, requires_grad=True)\n"
            "y = (x * torch.randn(*[2])).sum()\ny.backward()\n")
    (want,) = by_name({"c": code}).values()
    assert agrees(engine_side(code), want) is None
    called = engine_side(code.replace("*[2]", "*list(range(2, 3))"))
    assert "*list(range(2, 3)) is not supported" in called["refused"]


def test_typed_tensor_sizes_alone_are_memory_shown_as_zeros() -> None:
    """torch.FloatTensor(2, 3) not filled at once holds whatever memory held: read as
    torch.empty is, zeros, and "About this graph" says so."""
    from engine.snippets.reader import import_snippet

    code = ("import torch\na = torch.FloatTensor(2, 3)\nb = torch.Tensor(4)\n"
            "x = torch.ones(3, requires_grad=True)\n(x * a.sum(0) + b[:3]).sum().backward()\n")
    doc = import_snippet(code)
    assert "torch.Tensor(sizes) at line 2 makes uninitialised memory" in doc.description
    assert engine_side(code)["grads"]["x"] == [0.0, 0.0, 0.0]
    listed = engine_side("import torch\nw = torch.FloatTensor([2, 3]).zero_()\n"
                         "x = torch.ones(2, requires_grad=True)\n(x * w).sum().backward()\n")
    (want,) = by_name({"w": "import torch\nw = torch.FloatTensor([2, 3]).zero_()\n"
                            "x = torch.ones(2, requires_grad=True)\n"
                            "(x * w).sum().backward()\n"}).values()
    assert agrees(listed, want) is None


def test_x_type_of_a_python_type_is_torchs_error() -> None:
    ours = engine_side("import torch\nx = torch.ones(2, requires_grad=True)\n"
                       "y = x.type(float)\n")
    want = _torch_error(lambda: torch.ones(1).type(float))  # type: ignore[call-overload]
    assert said(ours) == want and ours["error"]["type"] == "ValueError"

