"""torch.autograd.functional.vjp, jvp, vhp, hvp and hessian as calls of the program (kind
"functional"): read from a snippet, run by torch's own function on the graph, against the
same functions called by plain torch on a Python f written here; torch's own errors; no
.grad changed; the file format and `gradflow code` keep them; the lens checks a vjp's vᵀJ."""

from __future__ import annotations

import json
from typing import Any

import pytest
import torch
from test_corpus import agrees, close, engine_side
from torch_reference import in_subprocess

from engine import calls
from engine.cli import report
from engine.document import Document
from engine.fileformat import dumps, loads
from engine.jacobian import lens
from engine.run import run
from engine.snippets.codegen import generate
from engine.snippets.reader import ImportError_, import_snippet
from tests.engine.helpers import leaf, op

HEAD = "import torch\nfrom torch.autograd.functional import vjp, jvp, vhp, hvp, hessian\n"
CODE = HEAD + """x = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
w = torch.tensor([1.5, 0.25, -0.5])
def f(a, b):
    return (a * b).sin() + a ** 2
def s(a):
    return (a.exp() * a).sum()
out, g = vjp(f, (x, w), torch.tensor([1.0, -2.0, 0.5]))
fx, jv = jvp(lambda a: f(a, w), x, torch.tensor([0.0, 1.0, 1.0]))
print(vhp(s, x, torch.tensor([1.0, 2.0, 3.0])))
print(hvp(s, x, torch.tensor([1.0, 2.0, 3.0])))
H = hessian(lambda a, b: (a * b.exp()).sum(), (x, w))
"""
X, W = [0.5, -1.0, 2.0], [1.5, 0.25, -0.5]


def plain_f(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return (a * b).sin() + a ** 2


def plain_s(a: torch.Tensor) -> torch.Tensor:
    return (a.exp() * a).sum()


def torch_answers() -> list[tuple[str, Any]]:
    x, w = torch.tensor(X), torch.tensor(W)
    F = torch.autograd.functional  # noqa: N806 - torch's own module
    return [("vjp", F.vjp(plain_f, (x, w), torch.tensor([1.0, -2.0, 0.5]))),
            ("jvp", F.jvp(lambda a: plain_f(a, w), x, torch.tensor([0.0, 1.0, 1.0]))),
            ("vhp", F.vhp(plain_s, x, torch.tensor([1.0, 2.0, 3.0]))),
            ("hvp", F.hvp(plain_s, x, torch.tensor([1.0, 2.0, 3.0]))),
            ("hessian", F.hessian(lambda a, b: (a * b.exp()).sum(), (x, w)))]


def lists(answer: Any) -> Any:
    return [lists(a) for a in answer] if isinstance(answer, tuple) else answer.tolist()


def test_each_answer_is_torchs_own_and_grad_is_untouched() -> None:
    doc = import_snippet(CODE)
    assert [(c.kind, c.function) for c in doc.calls[:5]] == [
        ("functional", f) for f in ("vjp", "jvp", "vhp", "hvp", "hessian")]
    data = report(doc, run(doc))
    ours = [(c["function"], c["answer"]) for c in data["calls"] if c["kind"] == "functional"]
    theirs = torch_answers()
    assert [f for f, _ in ours] == [f for f, _ in theirs]
    for (name, got), (_, want) in zip(ours, theirs, strict=True):
        assert close(got, lists(want)), (name, got, lists(want))
    # the hessian of a·exp(b) summed: ∂²/∂a∂b = diag(exp(b)), ∂²/∂b² = diag(a·exp(b))
    h = theirs[4][1]
    assert torch.allclose(h[0][1], torch.diag(torch.tensor(W).exp()))
    assert data["grads"]["x"] is None  # torch differentiates copies: x.grad stays None
    assert data["error"] is None


def test_plain_torch_in_a_subprocess_agrees_and_the_code_round_trips() -> None:
    code = generate(import_snippet(CODE))
    assert code.count("torch.autograd.functional.") == 5
    theirs_original, theirs_generated = in_subprocess([CODE, code])
    assert agrees(engine_side(CODE), theirs_original) is None
    assert agrees(engine_side(code), theirs_generated) is None
    assert len(theirs_generated["functionals"]) == 5
    assert generate(import_snippet(code)) == code


def test_the_file_keeps_the_calls() -> None:
    doc = import_snippet(CODE)
    again = loads(dumps(doc))
    assert again.calls == doc.calls
    first, second = report(doc, run(doc)), report(again, run(again))
    assert json.dumps(first["calls"]) == json.dumps(second["calls"])


@pytest.mark.parametrize(("body", "word"), [
    ("print(hvp(lambda t: t ** 2, torch.rand(3), torch.ones(3)))\n",
     "should contain a single element"),
    ("print(vjp(lambda t: t ** 2, torch.rand(3), torch.ones(2)))\n", "v has invalid size"),
    ("print(hessian(lambda t: (t ** 2, t), torch.rand(3)))\n", "single Tensor"),
])
def test_torchs_own_errors(body: str, word: str) -> None:
    code = HEAD + body
    ours = engine_side(code)
    (theirs,) = in_subprocess([code])
    assert theirs["error"] is not None and word in theirs["error"]["message"]
    assert agrees(ours, theirs) is None, agrees(ours, theirs)


@pytest.mark.parametrize("body", [
    # an answer is a tensor without a graph: a constant of the computation that uses it
    "x = torch.ones(2, requires_grad=True)\nout, g = vjp(lambda t: t * 3, x, torch.ones(2))\n"
    "k = (x * g * 2).sum()\nk.backward()\n",
    # and one that would need its graph is torch's own error
    "x = torch.ones(2, requires_grad=True)\nH = hessian(lambda t: (t ** 3).sum(), x)\n"
    "H.trace().backward()\n",
])
def test_computing_with_an_answer_is_torchs_computation(body: str) -> None:
    code = HEAD + body
    ours = engine_side(code)
    (theirs,) = in_subprocess([code])
    assert agrees(ours, theirs) is None, agrees(ours, theirs)
    assert theirs["grads"]["x"] == [6.0, 6.0] if "vjp" in body else \
        "does not require grad" in theirs["error"]["message"]


@pytest.mark.parametrize(("body", "said"), [
    ("vjp(lambda t: t * 2, torch.ones(2), torch.ones(2), create_graph=True)\n",
     "create_graph=True is not supported"),
    ("hvp(lambda t: t.sum(), torch.ones(2), torch.ones(2), strict=True)\n",
     "strict=True is not supported"),
    ("x = torch.ones(2)\njvp(lambda a, b: a * b, (x, x * 2), torch.ones(2))\n",
     "jvp's v is a tensor per tensor of the inputs"),
])
def test_what_is_refused_says_why(body: str, said: str) -> None:
    with pytest.raises(ImportError_) as refused:
        import_snippet(HEAD + body)
    assert said in str(refused.value), str(refused.value)


def test_the_document_refuses_a_call_it_cannot_write() -> None:
    doc = Document()
    x = leaf(doc, "x", [1.0, 2.0])
    y = op(doc, "exp", "y", x)
    with pytest.raises(calls.CallError, match="unknown torch.autograd.functional function"):
        calls.check_call(calls.Call(calls.FUNCTIONAL, function="jacrev", outputs=(y,),
                                    inputs=(x,), seeds=(None,)), lambda i: "op")
    with pytest.raises(calls.CallError, match="1 inputs but 2 vectors"):
        calls.check_call(calls.functional("jvp", [y], [x], [[1.0, 0.0], [0.0, 1.0]]),
                         lambda i: "op")
    with pytest.raises(calls.CallError, match="a hessian call takes no v"):
        calls.check_call(calls.Call(calls.FUNCTIONAL, function="hessian", outputs=(y,),
                                    inputs=(x,), seeds=([1.0, 1.0],)), lambda i: "op")


def test_the_lens_checks_a_vjp_against_what_it_returned() -> None:
    doc = import_snippet(CODE)
    result = run(doc)
    shown = lens(doc, result, 0)
    assert shown.kind == "functional" and shown.matches is True, shown.note
    x, w = torch.tensor(X), torch.tensor(W)
    want = torch.cat(torch.autograd.functional.vjp(plain_f, (x, w),
                                                    torch.tensor([1.0, -2.0, 0.5]))[1])
    assert shown.vjp is not None and torch.allclose(shown.vjp, want)
    assert "torch.autograd.functional.vjp returned" in shown.compared_with
    other = lens(doc, result, 4)  # the hessian: J of f, and where its own answer is
    assert other.matches is None and "hessian returned is under its call" in other.note


def test_a_jacobian_or_hessian_past_the_limit_is_refused_before_torch_computes_it() -> None:
    """torch computes J and H row by row: one backward pass per row. Past the limit the
    snippet is refused at its line, and a document's call at run time, naming the limit."""
    ok = HEAD + "x = torch.ones(1000)\nH = hessian(lambda t: (t ** 3).sum(), x)\n"
    at_limit = import_snippet(ok)
    assert len(report(at_limit, run(at_limit))["calls"][0]["answer"]) == 1000
    with pytest.raises(ImportError_, match="1,002,001 entries: over the limit of 1,000,000 "
                                           "entries a jacobian or hessian call returns"):
        import_snippet(HEAD + "x = torch.ones(1001)\nH = hessian(lambda t: (t ** 3).sum(), x)\n")
    doc = Document()
    x = leaf(doc, "x", [1.0] * 1001)
    y = op(doc, "exp", "y", x)
    doc.set_calls([calls.PRIMARY, calls.jacobian([y], [x])])
    error = run(doc).calls[1].error
    assert error is not None and error.type == "LimitExceeded"
    assert "jacobian would return 1,002,001 entries: over the limit" in error.message
