"""Infinity norms as learners write them, each against plain torch in a subprocess:
torch.norm(x, p=float('inf')), x.norm(p=float('inf')), torch.norm(x, float('inf')), -inf,
math.inf and torch.inf, over a dim, torch.linalg.norm(x, ord=inf), F.normalize(x, p=inf),
ties for the largest |x| (torch splits the gradient between them), a vector of zeros.
The norm op's p holds ±inf: in the document, in a saved file (still strict JSON: the
strings "inf" and "-inf"; files written before read unchanged), in the exported code
(float('inf')) and in the run, whose gradients are torch's."""

from __future__ import annotations

import json
import math
import re
from typing import Any

import pytest
import torch
from snippet_agreement import agreement_tests
from test_corpus import close
from torch_reference import in_subprocess

from engine import cli
from engine.document import Document, GraphError
from engine.fileformat import FileFormatError, dumps, load, loads, save
from engine.ops import OPS, check_param
from engine.run import run
from engine.snippets.codegen import generate
from engine.snippets.reader import import_snippet
from tests.engine.helpers import leaf, op

SNIPPETS = {
    'inf_norm_of_a_vector': """import torch
x = torch.tensor([1.0, -3.0, 2.0], requires_grad=True)
inf_norm = torch.norm(x, p=float('inf'))
inf_norm.backward()
print(inf_norm, x.grad)
""",
    'inf_norm_as_a_method': """import torch
x = torch.tensor([[0.5, -2.0], [1.5, 0.25]], requires_grad=True)
n = x.norm(p=float('inf'))
(3 * n).backward()
print(n, x.grad)
""",
    'inf_norm_with_p_given_by_position': """import torch
x = torch.tensor([0.3, 0.9, -0.4, 0.1], requires_grad=True)
y = torch.norm(x, float('inf'))
y.backward()
print(y.item(), x.grad)
""",
    'minus_inf_norm_is_the_smallest_magnitude': """import torch
x = torch.tensor([2.0, -0.5, 4.0, -3.0], requires_grad=True)
small = torch.norm(x, p=float('-inf'))
small.backward()
print(small, x.grad)
""",
    'inf_norm_over_a_dim': """import torch
W = torch.tensor([[1.0, -5.0, 2.0], [3.0, 0.5, -1.0]], requires_grad=True)
rows = torch.norm(W, p=float('inf'), dim=1)
cols = W.norm(float('-inf'), dim=0, keepdim=True)
(rows.sum() + (cols * torch.tensor([[1.0, 2.0, 3.0]])).sum()).backward()
print(rows, cols, W.grad)
""",
    'math_inf_and_torch_inf': """import math
import torch
x = torch.tensor([-1.25, 0.75, 2.5], requires_grad=True)
a = x.norm(p=math.inf)
b = torch.norm(x * x, p=-torch.inf)
(a + b).backward()
print(a, b, x.grad)
""",
    'linalg_norm_with_ord_inf': """import torch
v = torch.tensor([0.2, -1.7, 1.1], requires_grad=True)
n = torch.linalg.norm(v, ord=float('inf'))
(n ** 2).backward()
print(n, v.grad)
""",
    'ties_for_the_largest_magnitude_share_the_gradient': """import torch
x = torch.tensor([3.0, -3.0, 1.0, 3.0], requires_grad=True)
n = torch.norm(x, p=float('inf'))
n.backward()
print(n, x.grad)
""",
    'inf_norm_as_a_clipping_scale': """import torch
w = torch.tensor([0.5, -4.0, 2.0], requires_grad=True)
scaled = w / torch.norm(w, p=float('inf')).clamp(min=1.0)
loss = (scaled * torch.tensor([1.0, 2.0, -1.0])).sum()
loss.backward()
print(scaled, w.grad)
""",
    'normalized_by_the_inf_norm': """import torch
import torch.nn.functional as F
x = torch.tensor([[1.0, -3.0, 2.0], [0.5, 0.25, -1.0]], requires_grad=True)
y = F.normalize(x, p=float('inf'), dim=1)
(y * torch.tensor([1.0, 2.0, 3.0])).sum().backward()
print(y, x.grad)
""",
    'inf_norm_of_zeros': """import torch
x = torch.zeros(3, requires_grad=True)
y = torch.norm(x, p=float('inf'))
y.backward()
print(y, x.grad)
""",
}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def _at_the_extreme(values: list[float], largest: bool = True) -> list[float]:
    """d max|x| / dx (or min) computed here: sign(x) at the elements of largest (smallest)
    |x|, split between ties."""
    t = torch.tensor(values)
    extreme = t.abs().max() if largest else t.abs().min()
    hit = (t.abs() == extreme).float()
    return (t.sign() * hit / hit.sum()).tolist()


def test_the_reference_really_computes_what_is_compared(reference: Any) -> None:
    assert reference["inf_norm_of_a_vector"]["grads"]["x"] == _at_the_extreme([1.0, -3.0, 2.0])
    assert reference["inf_norm_of_a_vector"]["stdout"].startswith("tensor(3.,")
    tied = reference["ties_for_the_largest_magnitude_share_the_gradient"]["grads"]["x"]
    assert tied == _at_the_extreme([3.0, -3.0, 1.0, 3.0])
    assert reference["minus_inf_norm_is_the_smallest_magnitude"]["grads"]["x"] == \
        _at_the_extreme([2.0, -0.5, 4.0, -3.0], largest=False)
    for name in SNIPPETS:
        assert reference[name]["error"] is None, name


# ---- the op and its param ------------------------------------------------------------------
def test_the_norms_p_takes_both_infinities_and_no_nan() -> None:
    p = OPS["norm"].param("p")
    assert check_param(p, float("inf")) == math.inf
    assert check_param(p, -math.inf) == -math.inf
    assert check_param(p, 3) == 3.0 and isinstance(check_param(p, 3), float)
    for bad in (float("nan"), "inf", True, None):
        with pytest.raises(ValueError, match="p must be a number, inf or -inf"):
            check_param(p, bad)


def _doc() -> tuple[Document, str, list[float]]:
    doc = Document()
    values = [[1.0, -5.0, 2.0], [3.0, 0.5, -4.0]]
    x = leaf(doc, "x", values)
    top = op(doc, "norm", "top", x, params={"p": math.inf})
    low = op(doc, "norm", "low", x, params={"p": -math.inf, "dim": 1})
    lows = op(doc, "sum", "lows", low)
    total = op(doc, "add", "total", top, lows)
    doc.update_node(total, is_output=True)
    return doc, x, [v for row in values for v in row]


def _torch_grad(flat: list[float]) -> torch.Tensor:
    x = torch.tensor(flat, dtype=torch.float64).reshape(2, 3).requires_grad_()
    (torch.norm(x, p=float("inf")) + torch.norm(x, p=float("-inf"), dim=1).sum()).backward()
    assert x.grad is not None
    return x.grad


def test_the_run_calls_torch_with_infinity_and_gets_its_gradient() -> None:
    doc, x, flat = _doc()
    result = run(doc)
    assert torch.equal(result.leaf_grads[x], _torch_grad(flat))
    with pytest.raises(GraphError, match="p must be a number, inf or -inf"):
        doc.update_node(doc.node_by_name("top").id,  # type: ignore[union-attr]
                        params={"p": float("nan")})


# ---- the file ------------------------------------------------------------------------------
def _refuse(name: str) -> Any:
    raise AssertionError(f"the file holds {name}: not strict JSON")


def test_a_saved_infinity_is_strict_json_and_reads_back(tmp_path: Any) -> None:
    doc, _, flat = _doc()
    text = dumps(doc)
    data = json.loads(text, parse_constant=_refuse)  # no Infinity: any JSON reader takes it
    params = {n["name"]: n.get("params") for n in data["nodes"]}
    assert params["top"]["p"] == "inf" and params["low"]["p"] == "-inf"
    path = tmp_path / "norms.json"
    save(doc, path)
    back = load(path)
    assert back.node_by_name("top").params["p"] == math.inf  # type: ignore[union-attr]
    assert back.node_by_name("low").params["p"] == -math.inf  # type: ignore[union-attr]
    assert dumps(back) == text
    x = back.node_by_name("x").id  # type: ignore[union-attr]
    assert torch.equal(run(back).leaf_grads[x], _torch_grad(flat))


def test_a_file_written_before_reads_unchanged() -> None:
    doc = Document()
    x = leaf(doc, "x", [1.0, -2.0])
    op(doc, "norm", "n", x, params={"p": 3.0})
    old = dumps(doc)
    assert '"p": 3.0' in old
    back = loads(old)
    assert back.node_by_name("n").params["p"] == 3.0  # type: ignore[union-attr]
    assert dumps(back) == old


@pytest.mark.parametrize("spelled", ['"Infinity"', '"INF"', '"nan"', '"+inf"', "[1]",
                                     "true"])
def test_a_file_with_another_p_is_refused_naming_it(spelled: str) -> None:
    doc, _, _ = _doc()
    text = dumps(doc).replace('"p": "inf"', f'"p": {spelled}')
    with pytest.raises(FileFormatError) as refused:
        loads(text)
    assert "'top'" in str(refused.value)
    assert re.search(r'p"? must be a number, "?inf"? or "?-inf"?, not', str(refused.value))


# ---- the exported code ---------------------------------------------------------------------
def test_exported_code_says_float_inf_and_runs_in_torch_with_the_engines_grads() -> None:
    doc, _, _ = _doc()
    code = generate(doc)
    assert "p=float('inf')" in code and "p=float('-inf')" in code
    theirs = in_subprocess([code])[0]
    assert theirs["error"] is None, (code, theirs["error"])
    ours = json.loads(json.dumps(cli.report(doc, run(doc))))["grads"]
    assert set(theirs["grads"]) == set(ours) and close(ours["x"], theirs["grads"]["x"])
    again = import_snippet(code)
    assert sorted(n.params["p"] for n in again.nodes() if n.op == "norm") == [-math.inf,
                                                                              math.inf]
