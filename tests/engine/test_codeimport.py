"""Importing PyTorch snippets: the seed article's examples, the tutorial, the accepted
spellings, and the refusals. Expected gradients come from plain torch in a subprocess."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import torch
from torch_reference import in_subprocess

from engine.run import run
from engine.snippets.reader import ImportError_, import_snippet

ARTICLE = Path(__file__).parent / "data" / "seed_article.md"
TUTORIAL = """\
import torch
a = torch.tensor([2., 3.], requires_grad=True)
b = torch.tensor([6., 4.], requires_grad=True)
Q = 3*a**3 - b**2
external_grad = torch.tensor([1., 1.])
Q.backward(gradient=external_grad)
"""


def article_examples() -> list[str]:
    blocks = re.findall(r"```python\n(.*?)```", ARTICLE.read_text(encoding="utf-8"), re.S)
    assert len(blocks) == 3
    return blocks


def grads(text: str) -> dict[str, object]:
    result = run(import_snippet(text))
    return {k: None if v is None else v.tolist() for k, v in result.grads_by_name().items()}


@pytest.fixture(scope="module")
def reference() -> dict[str, dict[str, object]]:
    snippets = {f"article{i + 1}": code for i, code in enumerate(article_examples())}
    snippets["tutorial"] = TUTORIAL
    snippets.update(FORMS)
    results = in_subprocess(list(snippets.values()))
    return dict(zip(snippets, results, strict=True))


def test_article_example_1_scalar_loss(reference: dict[str, dict[str, object]]) -> None:
    code = article_examples()[0]
    assert grads(code) == reference["article1"]["grads"] == {"x": 12.0}
    doc = import_snippet(code)
    (out,) = doc.outputs()
    assert out.name == "loss" and not out.seed_enabled  # loss.backward() with no gradient


def test_article_example_2_refused_backward(reference: dict[str, dict[str, object]]) -> None:
    code = article_examples()[1]
    result = run(import_snippet(code))
    message = "grad can be implicitly created only for scalar outputs"
    assert result.error is not None
    assert (result.error.type, result.error.message) == ("RuntimeError", message)
    assert f"RuntimeError: {message}" in str(reference["article2"]["stdout"])
    assert grads(code) == reference["article2"]["grads"] == {"x": None}


def test_article_example_3_explicit_gradient(reference: dict[str, dict[str, object]]) -> None:
    code = article_examples()[2]
    assert grads(code) == reference["article3"]["grads"] == {"x": [4.0, 3.0]}
    (out,) = import_snippet(code).outputs()
    assert out.seed == [1.0, 0.5] and out.seed_enabled


def test_alias_keeps_leaf_names_and_names_the_output() -> None:
    doc = import_snippet(article_examples()[2])
    assert [n.name for n in doc.leaves()] == ["x"]
    assert [n.name for n in doc.outputs()] == ["loss"]
    assert doc.node_by_name("gradient") is None  # a tensor used only as a seed is no node


def test_tutorial(reference: dict[str, dict[str, object]]) -> None:
    a = torch.tensor([2.0, 3.0])
    b = torch.tensor([6.0, 4.0])
    got = grads(TUTORIAL)
    assert got == reference["tutorial"]["grads"]
    assert got == {"a": (9 * a**2).tolist(), "b": (-2 * b).tolist()}


def test_number_literals_become_named_number_constants() -> None:
    doc = import_snippet(TUTORIAL)
    numbers = sorted((n.name, n.value) for n in doc.nodes() if n.op == "constant")
    assert numbers == [("three", 3), ("three_2", 3), ("two", 2)]
    assert all(n.params["number"] for n in doc.nodes() if n.op == "constant")


# Spellings the importer accepts; each is checked against plain torch.
FORMS = {
    "imports": """import torch
import torch.nn as nn
from torch import nn as nn2
import torch.nn.functional as F
x = torch.tensor([[0.5, -1.0], [2.0, 0.25]], requires_grad=True)
a = nn.functional.relu(x) + torch.nn.functional.sigmoid(x) + F.tanh(x) + nn2.functional.relu(x)
y = torch.mm(a, x.t()) + torch.matmul(x, x.T) + x @ a
z = y.view(-1).pow(2).sum(dim=0)
z.backward()
""",
    "creation": """import torch
torch.manual_seed(7)
x = torch.randn(3, requires_grad=True)
w = torch.rand((3,), dtype=torch.float64, requires_grad=True)
o = torch.ones(3) + torch.zeros_like(x) + torch.full((3,), 0.5) + torch.arange(3)
e = torch.eye(3) + torch.linspace(0, 1, 3) + torch.ones_like(x)
y = (x * o) @ e + w.float() if False else (x * o) @ e
y = y * torch.Tensor([1, 2, 3]) + torch.tensor([1, 2, 3], dtype=torch.float32) / 4
y.backward(torch.ones_like(y))
""",
    "autograd": """import torch
x = torch.tensor([1.0, 2.0, 3.0])
x.requires_grad = True
k = 2.5
h = torch.sum(x * k, 0, keepdim=True) + torch.mean(x ** 2)
g = torch.softmax(x, dim=0) + torch.log_softmax(x, -1) + torch.sqrt(x) - torch.abs(-x)
g = g.mean()
torch.autograd.backward([h, g], grad_tensors=[torch.tensor([2.0]), None], retain_graph=True)
""",
    "inputs_and_rebinding": """import torch
from torch.nn import functional as F
x = torch.tensor([0.5, -1.5], requires_grad=True)
w = torch.tensor([2.0, 3.0], requires_grad=True)
y = F.relu(x * w) + x * (2 ** 3 / 4)
y = y * y
y.sum().backward(inputs=[x])
""",
    "try_and_if": '''"""A docstring."""
import torch
x = torch.tensor([2.0, 3.0], requires_grad=True)  # a comment
y = x.exp().log().sin().cos()
y += 1
print(y)
try:
    y.backward()
except (RuntimeError, Exception) as e:
    print(e)
if x.grad is None:
    print("none")
else:
    print(x.grad)
''',
}
FORMS["creation"] = FORMS["creation"].replace(
    "y = (x * o) @ e + w.float() if False else (x * o) @ e\n",
    "y = (x * o) @ e + w.detach().sum()\n")


@pytest.mark.parametrize("name", sorted(FORMS))
def test_accepted_forms_match_torch(name: str, reference: dict[str, dict[str, object]]) -> None:
    assert reference[name]["error"] is None
    assert grads(FORMS[name]) == reference[name]["grads"]


def test_options_and_outputs_from_autograd_backward() -> None:
    doc = import_snippet(FORMS["autograd"])
    assert [n.name for n in doc.outputs()] == ["h", "g"]
    h, g = doc.outputs()
    assert (h.seed, h.seed_enabled, g.seed, g.seed_enabled) == ([2.0], True, None, False)
    assert doc.options.retain_graph


def test_inputs_option_and_a_rebound_name() -> None:
    doc = import_snippet(FORMS["inputs_and_rebinding"])
    x = doc.node_by_name("x")
    assert x is not None and doc.options.inputs == [x.id]
    (out,) = doc.outputs()
    assert out.op == "sum" and not out.seed_enabled
    squared = doc.node(doc.in_edges(out.id)["input"].source)
    assert (squared.name, squared.op) == ("y", "mul")  # the latest binding holds the name
    assert any(n.params.get("number") and n.value == 2.0 for n in doc.nodes())  # 2 ** 3 / 4


def test_a_leafs_name_stays_when_rebound() -> None:
    doc = import_snippet("import torch\nx = torch.tensor([1.0], requires_grad=True)\n"
                         "x = x * 2\nx.sum().backward()\n")
    assert [n.name for n in doc.leaves()] == ["x"]


def test_requires_grad_set_afterwards_and_positions_laid_out() -> None:
    doc = import_snippet(FORMS["autograd"])
    (x,) = doc.leaves()
    assert x.name == "x" and x.requires_grad
    assert len({n.position for n in doc.nodes()}) == len(doc)


def test_like_random_values_follow_the_same_seed() -> None:
    doc = import_snippet("import torch\ntorch.manual_seed(5)\nx = torch.randn(2, 3, "
                         "requires_grad=True)\nr = torch.rand_like(x)\n"
                         "n = torch.randn_like(x, dtype=torch.float64)\ny = (x * r + n).sum()\n")
    torch.manual_seed(5)
    x = torch.randn(2, 3)
    r, n = torch.rand_like(x), torch.randn_like(x, dtype=torch.float64)
    found = {name: doc.node_by_name(name) for name in ("x", "r", "n")}
    assert [(v.value, v.dtype) for v in found.values() if v is not None] == [
        (x.tolist(), "float32"), (r.tolist(), "float32"), (n.tolist(), "float64")]


def test_random_values_equal_torchs_own() -> None:
    doc = import_snippet(FORMS["creation"])
    torch.manual_seed(7)
    expected_x = torch.randn(3)
    expected_w = torch.rand((3,), dtype=torch.float64)
    x, w = doc.node_by_name("x"), doc.node_by_name("w")
    assert x is not None and w is not None
    assert x.value == expected_x.tolist() and x.dtype == "float32"
    assert w.value == expected_w.tolist() and w.dtype == "float64"


UNSUPPORTED = [
    ("import torch\nclass A(Exception):\n    pass\na = A()\n", 2, 1,
     "the class A derives from Exception, outside the computation"),
    ("import torch\nx = torch.ones(2)\nwhile True:\n    pass\n", 3, 1,
     "over the limit of 100,000 loop iterations"),
    ("import torch\nx = torch.ones(2)\nfor i in range(99_999):\n" + "    a = i\n" * 11,
     13, 5, "over the limit of 1,000,000 statements run while reading a snippet; make the "
     "loops shorter"),
    ("import torch\nx = [i for i in range(10 ** 6)]\n", 2, 17,
     "over the limit of 100,000 loop iterations"),
    ("import torch\nx = torch.ones(2, requires_grad=True)\n"
     "y = x.scatter(0, torch.tensor([1]), 5.0).sum()\n", 3, 5,
     ".scatter() of a tensor that requires grad is not in Gradflow's op list"),
    ("import torch\ny = torch.special.erf(torch.ones(2))\n", 2, 5,
     "torch.special.erf is not in"),
    ("import torch\nx = torch.ones(2)\ny = z * x\n", 3, 5, "name 'z' is not defined"),
    ("import torch\nx = torch.ones(2, requires_grad=True)\n(x * 2).sum().backward()\n"
     "x.grad = torch.ones(2)\n", 4, 1,
     "setting .grad to a tensor other than zeros of its shape is a training step"),
    ("import torch\nx = torch.ones(2, requires_grad=True)\nx.backward([1.0, 2.0])\n", 3, 12,
     "pass a tensor of numbers: torch.tensor([1.0, 2.0])"),
    ("import torch\nx = torch.tensor([1, 2], requires_grad=True)\n", 2, 5,
     "Only Tensors of floating point"),
    ("import torch\nx = torch.tensor([[1.0], [2.0, 3.0]])\n", 2, 5, "ragged"),
    ("import torch\nx = torch.ones(2, dtype=torch.complex64)\n", 2, 25, "dtype torch.complex64"),
    ("import torch\ndef f(n):\n    return f(n + 1)\ny = f(0)\n", 3, 12,
     "f calls nest over the limit of 50 nested function calls"),
    ("import torch\nx = torch.ones(2\n", 2, 15, "Python cannot parse this"),
    ("import torch\nx = torch.ones(100000, 100000)\n", 2, 5, "over the limit"),
    ("import torch\nx = torch.ones(2)\ny = x * 1e999\n", 3, 9, "too large to be finite"),
    ("import torch\nx = torch.ones(2)\ny = x * 10 ** 10 ** 10\n", 3, 9, "too large"),
    ("import torch\nx = torch.ones(2)\nwith torch.device('cpu'):\n    y = x * 2\n", 3, 1,
     "only torch.no_grad() and torch.enable_grad() are read"),
    ("import torch\nx = torch.ones(2)\ny = torch.exp(3)\n", 3, 5,
     "torch.exp needs a tensor, not the number 3"),
    ("import torch\nx = torch.ones(2, 2, 2)\ny = x.T\n", 3, 5, "reverses 3 dimensions"),
]


@pytest.mark.parametrize(("code", "line", "col", "text"), UNSUPPORTED)
def test_unsupported_constructs_name_line_and_column(code: str, line: int, col: int,
                                                     text: str) -> None:
    with pytest.raises(ImportError_) as info:
        import_snippet(code)
    err = info.value
    assert (err.line, err.col) == (line, col)
    assert str(err).startswith(f"line {line}, column {col}: ")
    assert text in str(err)


HOSTILE = [
    ("__import__('os').system('touch {marker}')", "__import__ reaches outside torch"),
    ("open('{marker}', 'w').write('x')", "name 'open' is not defined"),
    ("import os\nos.system('touch {marker}')", "the operating system (os: files, folders"),
    ("f = lambda: open('{marker}', 'w')\nf()", "name 'open' is not defined"),
    ("class A:\n    x = open('{marker}', 'w')", "name 'open' is not defined"),
    ("class A(torch.nn.Module):\n    x = torch.os.system('touch {marker}')\nA()",
     "torch.os.system is not in Gradflow's op list"),
    ("class A(torch.nn.Module):\n    def forward(self):\n        return open('{marker}', 'w')"
     "\nA()()", "name 'open' is not defined"),
    ("def f():\n    open('{marker}', 'w')\nf()", "name 'open' is not defined"),
    ("def f():\n    return __builtins__['open']('{marker}', 'w')\nf()",
     "__builtins__ reaches outside torch"),
    ("for m in [1]:\n    torch.os.system('touch {marker}')", "torch.os.system is not in"),
    ("torch.__builtins__['open']('{marker}', 'w')", "__builtins__ reaches outside torch"),
    ("y = torch.os.system('touch {marker}')", "torch.os.system is not in Gradflow's op list"),
    ("torch.os.system('touch {marker}')", "torch.os.system is not in Gradflow's op list"),
    ("f = lambda: 0\ng = f.__globals__\ng['__builtins__']['open']('{marker}', 'w')",
     "__globals__ reaches outside torch"),
    ("x = torch.ones(1)\nfor m in [x]:\n    m.numpy().tofile('{marker}')",
     ".tofile() of a numpy array is not among the methods Gradflow reads"),
    ("'{{0.__class__}}'.format(torch.ones(1))\nopen('{marker}', 'w')",
     "name 'open' is not defined"),
    ("print(eval(\"open('{marker}', 'w')\"))", "name 'eval' is not defined"),
    ("from os import system\nsystem('touch {marker}')", "the operating system (os: files"),
    ("import subprocess\nsubprocess.run(['touch', '{marker}'])", "importing subprocess is not"),
]


def hostile_code(body: str, marker: Path) -> str:
    return "import torch\n" + body.format(marker=marker) + "\n"


@pytest.mark.parametrize(("body", "text"), HOSTILE)
def test_hostile_snippets_are_refused_and_nothing_runs(tmp_path: Path, body: str,
                                                       text: str) -> None:
    marker = tmp_path / "MARKER"
    with pytest.raises(ImportError_) as info:
        import_snippet(hostile_code(body, marker))
    assert text in str(info.value)
    assert not marker.exists()


def test_torch_save_writes_nothing_and_says_so(tmp_path: Path) -> None:
    """torch.save at the end of a training script is read as a line that writes nothing:
    the file is not made, and "About this graph" says the script would write it."""
    marker = tmp_path / "MARKER"
    code = hostile_code("w = torch.ones(2, requires_grad=True)\n(w * 3).sum().backward()\n"
                        "torch.save({{'w': w}}, '{marker}')", marker)
    doc = import_snippet(code)
    assert not marker.exists()
    assert "torch.save at line 4 writes a file in the script; Gradflow wrote nothing." in \
        doc.description
    in_subprocess([code])  # the control: python does write it
    assert marker.exists()


def test_hostile_snippets_do_create_the_marker_when_python_runs_them(tmp_path: Path) -> None:
    """The control: without the importer's refusal, every hostile snippet does write."""
    markers = [tmp_path / f"MARKER{i}" for i in range(len(HOSTILE))]
    in_subprocess([hostile_code(body, m) for (body, _), m in zip(HOSTILE, markers, strict=True)])
    assert all(m.exists() for m in markers)
