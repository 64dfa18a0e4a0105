"""Snippets that make several calls (a second backward, .grad.zero_(), .grad = None,
torch.autograd.grad, model.zero_grad()) become the document's program: the engine's grads
after the last call, torch's error at the call that raised it, and what autograd.grad
returned equal plain torch's, run in a subprocess."""

from __future__ import annotations

import ast
from typing import Any

import pytest
import torch
from test_corpus import close, engine_side
from torch_reference import in_subprocess

from engine.calls import BACKWARD, GRAD, ZERO_GRAD
from engine.run import run
from engine.snippets.reader import ImportError_, import_snippet

H = "import torch\nimport torch.nn as nn\ntorch.manual_seed(0)\n"
# A line the importer skips (a print) and plain torch runs: what autograd.grad returned.
SHOW = 'print("ANSWER", [t.tolist() for t in {}])\n'
PROGRAMS: dict[str, tuple[str, list[str]]] = {
    "accumulate_zero_accumulate": (H + """x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = (x * x).sum()
y.backward(retain_graph=True)
print(x.grad)
y.backward(retain_graph=True)
x.grad.zero_()
y.backward()
""", [BACKWARD, BACKWARD, ZERO_GRAD, BACKWARD]),
    "second_backward_raises_at_its_call": (H + """x = torch.tensor([1.0, 2.0], requires_grad=True)
y = (x.exp() * x).sum()
y.backward()
y.backward()
""", [BACKWARD, BACKWARD]),
    "grad_set_to_none_and_data_zero": (H + """a = torch.randn(3, requires_grad=True)
b = torch.randn(3, requires_grad=True)
(a * b).sum().backward(retain_graph=True)
a.grad = None
b.grad.data.zero_()
torch.autograd.backward([(a * b).sum(), (a + b).sum()], grad_tensors=[torch.tensor(2.0), None])
""", [BACKWARD, ZERO_GRAD, ZERO_GRAD, BACKWARD]),
    "autograd_grad_leaves_grad_alone": (H + """x = torch.randn(2, 3, requires_grad=True)
w = torch.randn(3, requires_grad=True)
y = torch.sigmoid(x @ w)
gx, gw = torch.autograd.grad(y, [x, w], grad_outputs=torch.tensor([1.0, -0.5]),
                             retain_graph=True)
""" + SHOW.format("[gx, gw]") + """y.sum().backward()
""", [GRAD, BACKWARD]),
    "autograd_grad_before_backward_and_inputs": (H + """from torch.autograd import grad
x = torch.tensor([0.5, 1.5], requires_grad=True)
z = torch.tensor([2.0, -1.0], requires_grad=True)
y = (x * z).pow(2).sum()
answer = grad(y, x, retain_graph=True)
""" + SHOW.format("answer") + """y.backward(inputs=[z], retain_graph=True)
y.backward(inputs=[x])
""", [GRAD, BACKWARD, BACKWARD]),
    "module_zero_grad_then_backward": (H + """fc = nn.Linear(3, 2)
x = torch.randn(4, 3)
loss = fc(x).pow(2).mean()
loss.backward(retain_graph=True)
fc.zero_grad()
loss.backward()
""", [BACKWARD, ZERO_GRAD, BACKWARD]),
    "zero_before_any_backward_is_pythons_error": (H + """x = torch.ones(2, requires_grad=True)
y = (x * 3).sum()
x.grad.zero_()
y.backward()
""", []),
    "backward_in_a_loop_with_one_hot_seeds": (H + """x = torch.randn(3, requires_grad=True)
y = x * x
for i in range(3):
    v = torch.zeros(3)
    y.backward(torch.eye(3)[i], retain_graph=True)
    print(x.grad)
    x.grad.zero_()
y.sum().backward()
""", [BACKWARD, ZERO_GRAD] * 3 + [BACKWARD]),
    "leaf_update_under_no_grad_before_use": (H + """x = torch.rand(3, requires_grad=True)
with torch.no_grad():
    x += 1
    x *= 2
(x * x).sum().backward()
""", [BACKWARD]),
}


@pytest.fixture(scope="module")
def reference() -> dict[str, dict[str, Any]]:
    codes = [code for code, _ in PROGRAMS.values()]
    return dict(zip(PROGRAMS, in_subprocess(codes), strict=True))


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_calls_match_plain_torch(name: str, reference: dict[str, dict[str, Any]]) -> None:
    code, kinds = PROGRAMS[name]
    ours, theirs = engine_side(code), reference[name]
    assert "refused" not in ours, ours
    if kinds:
        assert [c["kind"] for c in ours["calls"]] == kinds
    for leaf, grad in theirs["grads"].items():
        assert close(ours["grads"][leaf], grad), (leaf, ours["grads"][leaf], grad)
    if theirs["error"] is None:
        assert ours["error"] is None
    else:
        assert (ours["error"]["type"], ours["error"]["message"]) == (
            theirs["error"]["type"], theirs["error"]["message"])
    answers = [line.split(" ", 1)[1] for line in theirs["stdout"].splitlines()
               if line.startswith("ANSWER ")]
    ours_answers = [list(c["results"].values()) for c in ours["calls"] if c["kind"] == GRAD]
    assert len(answers) == len(ours_answers)
    for want, got in zip(answers, ours_answers, strict=True):
        assert close(got, ast.literal_eval(want)), (got, want)


def test_the_second_backward_error_is_at_call_two() -> None:
    data = engine_side(PROGRAMS["second_backward_raises_at_its_call"][0])
    assert data["error"]["call"] == 2
    assert data["calls"][0]["grads"] == data["grads"]  # call 1's grads stay, as in a script


def test_a_zero_grad_before_backward_raises_what_python_raises() -> None:
    data = engine_side(PROGRAMS["zero_before_any_backward_is_pythons_error"][0])
    assert (data["error"]["type"], data["error"]["message"]) == (
        "AttributeError", "'NoneType' object has no attribute 'zero_'")


# (updates of the weights from their .grad are read: tests/engine/test_snippet_training.py;
# computing with what torch.autograd.grad returned: test_snippet_learner_loops13.py)
def test_a_name_bound_to_grad_is_that_grad_in_a_later_computation() -> None:
    """`g = x.grad; h = g * 2` computes with x's .grad itself (numbers, no graph), so a
    backward of h is torch's own error at that call, as the script stops there."""
    x = torch.ones(2, requires_grad=True)
    x.sum().backward()
    h = x.grad * 2  # type: ignore[operator]
    with pytest.raises(RuntimeError) as raised:
        h.sum().backward()
    doc = import_snippet(H + "x = torch.ones(2, requires_grad=True)\nx.sum().backward()\n"
                         "g = x.grad\nh = g * 2\nh.sum().backward()\n")
    error = run(doc).error
    assert error is not None and (error.type, error.message, error.call) == (
        "RuntimeError", str(raised.value), 1)


def test_reports_between_calls_are_skipped() -> None:
    doc = import_snippet(H + """x = torch.ones(2, requires_grad=True)
y = (x * x).sum()
y.backward(retain_graph=True)
print(x.grad)
x.grad
if x.grad is not None:
    print("grad", x.grad.sum())
g = x.grad
print(g)
y.backward()
""")
    assert [c.kind for c in doc.calls] == [BACKWARD, BACKWARD]


def test_consecutive_resets_are_one_call() -> None:
    doc = import_snippet(H + """a = torch.ones(2, requires_grad=True)
b = torch.ones(2, requires_grad=True)
(a * b).sum().backward()
a.grad.zero_()
b.grad.zero_()
""")
    assert doc.calls[1].kind == ZERO_GRAD and len(doc.calls) == 2
    assert [doc.node(i).name for i in doc.calls[1].leaves or ()] == ["a", "b"]


def test_the_call_limit_is_named_where_no_call_can_be_read_as_run() -> None:
    # inside a try the script may stop at any call: the calls cannot be read as a step
    with pytest.raises(ImportError_) as info:
        import_snippet(H + "x = torch.ones(2, requires_grad=True)\ny = (x * 2).sum()\n"
                       "try:\n    for i in range(200):\n        y.backward(retain_graph=True)\n"
                       "except RuntimeError:\n    pass\n")
    assert "over the limit of 100 calls in a document's program" in str(info.value)


def test_past_the_call_limit_the_earlier_calls_ran_while_reading() -> None:
    doc = import_snippet(H + "x = torch.ones(2, requires_grad=True)\ny = (x * 2).sum()\n"
                         "for i in range(250):\n    y.backward(retain_graph=True)\n")
    # past the limit the calls run every ten: the document keeps the last ten
    assert len(doc.calls) == 10 and doc.description.startswith("240 earlier calls ran")
    x = torch.ones(2, requires_grad=True)
    for _ in range(250):  # plain torch: each call adds 2 to every element
        (x * 2).sum().backward()
    assert run(doc).leaf_grads[doc.node_by_name("x").id].tolist() == x.grad.tolist()
