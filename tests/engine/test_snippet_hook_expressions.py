"""Tensor hooks that return an expression of their gradient (`g + 2`, `g.clamp(-1, 1)`,
`g * mask`, `g / g.norm()`, a def of a few lines), read as plain torch runs them (in a
subprocess): on an intermediate tensor and a leaf, across two backward calls, removed
between calls, registered after one, two hooks on one tensor in their order, with
torch.autograd.grad; the document saved and loaded gives the same numbers; the code
Gradflow writes back reproduces them in plain torch; and what the whitelist does not hold is
refused with a message naming it."""

from __future__ import annotations

from typing import Any

import pytest
import torch
from snippet_agreement import agreement_tests
from test_corpus import close, engine_side
from torch_reference import by_name

from engine import fileformat
from engine.cli import report
from engine.explain import explain
from engine.grad_expression import ExpressionError, check_text, evaluate
from engine.ops import check_param, get_op
from engine.run import run
from engine.snippets.codegen import generate
from engine.snippets.reader import import_snippet
from engine.snippets.safety import ImportError_

_X = """import torch
x = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)
y = x * 2
"""
_LOSS = """loss = (y ** 2).sum()
loss.backward()
"""

SNIPPETS = {
    "plus_a_number": _X + "y.register_hook(lambda g: g + 2)\n" + _LOSS,
    "clamp_method": _X + "y.register_hook(lambda g: g.clamp(-1, 1))\n" + _LOSS,
    "torch_clamp_keywords": _X + "y.register_hook(lambda grad: torch.clamp(grad, min=-0.5, "
                                 "max=0.5))\n" + _LOSS,
    "times_a_mask": _X + "mask = torch.tensor([1.0, 0.0, 1.0])\n"
                         "y.register_hook(lambda g: g * mask)\n" + _LOSS,
    "an_int_mask_of_a_comparison": _X + "keep = (x > 0)\n"
                                        "y.register_hook(lambda g: g * keep)\n" + _LOSS,
    "normalised": _X + "y.register_hook(lambda g: g / g.norm())\n" + _LOSS,
    "zeros_like": _X + "z = torch.tensor([0.5, 0.5, 0.5], requires_grad=True)\n"
                       "y.register_hook(lambda g: torch.zeros_like(g))\n"
                       "loss = (y ** 2).sum() + (z * y).sum()\nloss.backward()\n",
    "abs": _X + "y.register_hook(lambda g: g.abs())\n" + _LOSS,
    "def_of_a_few_lines": _X + """limit = 5.0
def clip_and_shift(grad):
    print("hook sees", grad)
    clipped = grad.clamp(-limit, limit)
    shifted = clipped - grad.mean()
    return shifted * 0.5
y.register_hook(clip_and_shift)
""" + _LOSS,
    "on_a_leaf": """import torch
w = torch.tensor([[0.5, -1.0], [2.0, 0.25]], dtype=torch.float64, requires_grad=True)
w.register_hook(lambda g: torch.where(g > 0, g, 0.1 * g))
out = (w @ w).sin().sum()
out.backward()
""",
    "two_hooks_in_their_order": _X + "y.register_hook(lambda g: g + 2)\n"
                                     "y.register_hook(lambda g: g * 3)\n" + _LOSS,
    "two_backward_calls": _X + """y.register_hook(lambda g: g.clamp(-3, 3) + 1)
loss = (y ** 2).sum()
loss.backward(retain_graph=True)
(y ** 3).sum().backward()
""",
    "removed_between_calls": _X + """h = y.register_hook(lambda g: torch.sign(g))
loss = (y ** 2).sum()
loss.backward(retain_graph=True)
h.remove()
loss.backward()
""",
    "registered_after_a_call": _X + """loss = (y ** 2).sum()
loss.backward(retain_graph=True)
y.register_hook(lambda g: g.sqrt())
loss.backward()
""",
    "grad_call_sees_the_hook": _X + """y.register_hook(lambda g: g ** 2 - 1)
z = (y ** 2).sum()
gx, = torch.autograd.grad(z, x)
print(gx)
""",
    "through_a_layer": """import torch
import torch.nn as nn
torch.manual_seed(0)
layer = nn.Linear(3, 2)
x = torch.randn(4, 3)
h = layer(x)
h.register_hook(lambda g: g.clamp(min=-0.1) * 10)
h.tanh().pow(2).mean().backward()
""",
}

reference, test_read_as_plain_torch_runs_it = agreement_tests(SNIPPETS)


def test_the_reference_computes_what_the_hooks_say(reference: dict[str, Any]) -> None:
    # y = [2, -4, 6], dloss/dy = [4, -8, 12]; x.grad = 2 * hook(dloss/dy)
    assert reference["plus_a_number"]["grads"]["x"] == [12.0, -12.0, 28.0]
    assert reference["clamp_method"]["grads"]["x"] == [2.0, -2.0, 2.0]
    assert reference["torch_clamp_keywords"]["grads"]["x"] == [1.0, -1.0, 1.0]
    assert reference["times_a_mask"]["grads"]["x"] == [8.0, 0.0, 24.0]
    assert reference["an_int_mask_of_a_comparison"]["grads"]["x"] == [8.0, 0.0, 24.0]
    norm = (16 + 64 + 144) ** 0.5
    assert reference["normalised"]["grads"]["x"] == pytest.approx(
        [8 / norm, -16 / norm, 24 / norm])
    assert reference["zeros_like"]["grads"] == {"x": [0.0, 0.0, 0.0], "z": [2.0, -4.0, 6.0]}
    assert reference["abs"]["grads"]["x"] == [8.0, 16.0, 24.0]
    # clamp to ±5: [4, -5, 5]; minus the mean 8/3; halved; times 2
    assert reference["def_of_a_few_lines"]["grads"]["x"] == pytest.approx(
        [4 - 8 / 3, -5 - 8 / 3, 5 - 8 / 3])
    # g + 2 first, then * 3: [18, -18, 42], times 2 (the other order would give [28, ...])
    assert reference["two_hooks_in_their_order"]["grads"]["x"] == [36.0, -36.0, 84.0]
    # [4, -2, 4] * 2, then 3 y² = [12, 48, 108] clamped to 3, plus 1: 4 * 2 each
    assert reference["two_backward_calls"]["grads"]["x"] == [16.0, 4.0, 16.0]
    # sign: [1, -1, 1] * 2, then the plain [8, -16, 24]
    assert reference["removed_between_calls"]["grads"]["x"] == [10.0, -18.0, 26.0]
    assert reference["registered_after_a_call"]["grads"]["x"][0] == pytest.approx(8 + 4)
    assert reference["grad_call_sees_the_hook"]["grad_answers"][0][0] == [30.0, 126.0, 286.0]


@pytest.mark.parametrize("name", ["times_a_mask", "def_of_a_few_lines", "two_backward_calls",
                                  "removed_between_calls", "two_hooks_in_their_order",
                                  "on_a_leaf"])
def test_the_code_written_back_gives_torchs_numbers(name: str,
                                                    reference: dict[str, Any]) -> None:
    code = generate(import_snippet(SNIPPETS[name], layout=False))
    assert "register_hook(lambda g:" in code
    theirs = by_name({"written": code})["written"]
    assert theirs["error"] is None
    assert theirs["grads"] == reference[name]["grads"]


@pytest.mark.parametrize("name", ["times_a_mask", "removed_between_calls", "on_a_leaf"])
def test_a_saved_and_loaded_document_gives_the_same_numbers(
        name: str, reference: dict[str, Any]) -> None:
    doc = import_snippet(SNIPPETS[name], layout=False)
    loaded = fileformat.loads(fileformat.dumps(doc))
    hooks = [n.params for n in loaded.nodes() if n.op == "grad_hook"]
    assert hooks and all(p["gradient"] for p in hooks)
    ours = report(loaded, run(loaded))["grads"]
    assert close(ours, reference[name]["grads"]), (ours, reference[name]["grads"])


def test_the_mask_is_kept_as_its_numbers_in_the_node() -> None:
    doc = import_snippet(SNIPPETS["times_a_mask"], layout=False)
    (hook,) = [n for n in doc.nodes() if n.op == "grad_hook"]
    assert hook.params["gradient"] == \
        "g * torch.tensor([1.0, 0.0, 1.0], dtype=torch.float32)"


def test_explain_shows_the_expression_on_the_gradient() -> None:
    doc = import_snippet(SNIPPETS["clamp_method"], layout=False)
    (hook,) = [n for n in doc.nodes() if n.op == "grad_hook"]
    texts = [line.text for line in explain(doc, run(doc), hook.id)]
    assert "  = grad_out.clamp(-1, 1)" in texts
    assert "  = [4, -8, 12].clamp(-1, 1)" in texts
    assert "  = [1, -1, 1]" in texts


@pytest.mark.parametrize(("hook", "named"), [
    ("lambda g: g.numpy()", ".numpy()"),
    ("lambda g: g.copy_(g * 2)", "g.copy_(g * 2)"),  # g.mul_(2): test_snippet_in_place_hooks
    ("lambda g: g[0] * 0 + g", "indexes the gradient"),
    ("lambda g: torch.linalg.norm(g) * g", "torch.linalg.norm"),
    ("lambda g: g if g.sum() > 0 else -g", "ifexp"),
    ("lambda g: g.sum()", "has changed the size of value"),
    ("lambda g: g.double()", "has changed the type of value (was torch.FloatTensor got "
                             "torch.DoubleTensor)"),
])
def test_what_the_whitelist_does_not_hold_is_refused_by_name(hook: str, named: str) -> None:
    with pytest.raises(ImportError_) as caught:
        import_snippet(_X + f"y.register_hook({hook})\n" + _LOSS, layout=False)
    assert named in str(caught.value)
    assert caught.value.line == 4


def test_a_def_with_a_branch_is_refused_naming_the_statement() -> None:
    code = _X + "def hook(g):\n    if g.sum() > 0:\n        return g\n    return -g\n" \
                "y.register_hook(hook)\n" + _LOSS
    with pytest.raises(ImportError_, match=r"\(an if statement\) is not read") as caught:
        import_snippet(code, layout=False)
    assert caught.value.line == 5


def test_the_expression_param_refuses_what_is_not_whitelisted() -> None:
    param = get_op("grad_hook").param("gradient")
    assert check_param(param, " g.clamp( -1,1 ) ") == "g.clamp(-1, 1)"
    for text, named in [("__import__('os').system('x')", ".system()"),
                        ("g.__class__", "g.__class__"), ("open('f')", "the call open('f')"),
                        ("x + g", "the name x"), ("g +", "not one expression")]:
        with pytest.raises(ValueError, match="gradient may not use") as caught:
            check_param(param, text)
        assert named in str(caught.value)


def test_the_evaluator_computes_with_torch() -> None:
    g = torch.tensor([4.0, -8.0, 12.0])
    assert evaluate("torch.clamp(g, min=-0.5, max=0.5) + g.abs() / 4",
                    {"g": g}).tolist() == [1.5, 1.5, 3.5]
    with pytest.raises(ExpressionError, match="torch.save"):
        check_text("torch.save(g, 'f')")
    with pytest.raises(ValueError, match="a power of integers past the exponent"):
        evaluate("g * 9 ** 9 ** 9", {"g": g})  # Python alone would take minutes


def test_engine_side_refusal_is_reported_not_crashed() -> None:
    ours = engine_side(_X + "y.register_hook(lambda g: g.tolist())\n" + _LOSS)
    assert ".tolist()" in ours["refused"]
