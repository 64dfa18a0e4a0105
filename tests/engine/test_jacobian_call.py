"""`torch.autograd.functional.jacobian(f, inputs)` in a snippet becomes a jacobian call of the
document's program: J from the engine equals plain torch's jacobian (run in a subprocess),
no .grad changes, later backward calls give torch's .grad, and the call survives a file
round trip, a code round trip, the lens, the step list and the web page."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import torch
from test_corpus import agrees, close, engine_side
from torch_reference import by_name, in_subprocess

from engine import fileformat
from engine.calls import JACOBIAN, CallError, check_call, jacobian
from engine.jacobian import analyse
from engine.replay import Replay
from engine.replay_view import rows
from engine.run import run
from engine.snippets.codegen import generate
from engine.snippets.reader import ImportError_, TorchRaised, import_snippet

H = "import torch\nfrom torch.autograd.functional import jacobian\ntorch.manual_seed(0)\n"
SNIPPETS = {
    "def_on_a_constant": H + """def f(x):
    return x ** 2 + 3 * x
x = torch.tensor([1., 2., 3.])
J = torch.autograd.functional.jacobian(f, x)
print(J)
""",
    "lambda_matrix_in_scalar_out": H + """W = torch.randn(2, 3)
J = jacobian(lambda w: (w * W).sum().tanh(), torch.randn(2, 3))
""",
    "tuple_of_inputs": H + """def f(x, y):
    return x * y + y.exp()
x = torch.tensor([1., 2.])
y = torch.tensor([0.5, -1.], requires_grad=True)
print(jacobian(f, (x, y)))
""",
    "tuple_of_outputs_and_one_input_as_tuple": H + """x = torch.tensor([3., 2.])
J = jacobian(lambda a: (a.sin(), a.sum() * a), (x,))
""",
    "leaf_requiring_grad_then_backward": H + """w = torch.tensor([1., -2., 0.5], requires_grad=True)
x = torch.tensor([2., 1., 4.])
J = jacobian(lambda a, b: a * b, (w, x))
loss = (w * x).sum()
loss.backward()
J2 = jacobian(lambda a: a.pow(3), w)
loss2 = (w * w).sum()
loss2.backward()
""",
    "unpacked_and_in_a_loop": H + """x = torch.tensor([1., 2.])
y = torch.tensor([3., 4.])
jx, jy = jacobian(lambda a, b: a * b, (x, y))
print(jx, jy)
print(jacobian(lambda a: a.exp(), x).shape)
for t in [x, y]:
    print(jacobian(lambda a: a ** 2, t))
""",
    "an_nn_module_as_f": H + """import torch.nn as nn
model = nn.Sequential(nn.Linear(3, 2), nn.Tanh())
x = torch.randn(3)
J = jacobian(model, x)
loss = model(x).sum()
loss.backward()
w, b = model[0].weight, model[0].bias
""",
    "f_reads_a_global_computed_from_its_input": H + """x = torch.tensor([1., 2.])
h = x * 2
J = jacobian(lambda a: a * h, x)
J2 = jacobian(lambda a: h, x)
""",
    "inner_node_as_input": H + """a = torch.tensor([1., 2.], requires_grad=True)
h = a * 3
J = jacobian(lambda t: t.sigmoid() * h, h)
(h * h).sum().backward()
""",
}


@pytest.fixture(scope="module")
def reference() -> dict[str, dict[str, Any]]:
    return by_name(SNIPPETS)


@pytest.mark.parametrize("name", list(SNIPPETS))
def test_j_and_grads_equal_plain_torch(name: str, reference: dict[str, dict[str, Any]]) -> None:
    ours = engine_side(SNIPPETS[name])
    assert agrees(ours, reference[name]) is None, agrees(ours, reference[name])
    assert reference[name]["jacobians"], "torch made a jacobian call"
    assert [c["kind"] for c in ours["calls"]].count(JACOBIAN) == len(reference[name]["jacobians"])


def test_numbers_of_the_first_example() -> None:
    ours = engine_side(SNIPPETS["def_on_a_constant"])
    assert ours["calls"][0]["jacobian"] == [[5.0, 0.0, 0.0], [0.0, 7.0, 0.0], [0.0, 0.0, 9.0]]
    assert ours["error"] is None
    # the snippet calls no backward: an unmarked output is not something to warn about
    assert ours["warnings"] == []


def test_a_jacobian_call_changes_no_grad_and_a_later_backward_gives_torchs() -> None:
    doc = import_snippet(SNIPPETS["leaf_requiring_grad_then_backward"])
    result = run(doc)
    kinds = [c.kind for c in result.calls]
    assert kinds == [JACOBIAN, "backward", JACOBIAN, "backward"]
    first, _, third, _ = result.calls
    assert first.grads_after == first.grads_before == {doc.node_by_name("w").id: None}
    w = doc.node_by_name("w").id
    assert torch.equal(third.grads_after[w], third.grads_before[w])
    # torch: w.grad = x after the first backward, + 2w after the second
    expected = torch.tensor([2., 1., 4.]) + 2 * torch.tensor([1., -2., 0.5])
    assert torch.allclose(result.leaf_grads[w], expected)
    # the constant x stays a constant: torch gives it no .grad
    assert doc.node_by_name("x").op == "constant"


def test_the_lens_shows_the_calls_j_and_checks_it_against_what_the_call_returned() -> None:
    doc = import_snippet(SNIPPETS["tuple_of_inputs"])
    result = run(doc)
    analyse(doc, result)
    lens = result.lens
    assert lens is not None and lens.call == 0  # nothing marked: the jacobian call is shown
    x, y = torch.tensor([1., 2.]), torch.tensor([0.5, -1.])
    jx, jy = torch.autograd.functional.jacobian(lambda a, b: a * b + b.exp(), (x, y))
    assert lens.jacobian is not None
    assert torch.allclose(lens.jacobian, torch.cat([jx, jy], dim=1))
    assert lens.matches is True and lens.v is None
    assert "functional.jacobian returned" in lens.compared_with
    assert lens.col_labels == ["x[0]", "x[1]", "y[0]", "y[1]"]


def test_file_round_trip_keeps_the_call_and_its_numbers(tmp_path: Path) -> None:
    doc = import_snippet(SNIPPETS["tuple_of_outputs_and_one_input_as_tuple"])
    path = tmp_path / "j.json"
    fileformat.save(doc, path)
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert saved["version"] == 2
    assert saved["calls"][0] == {"kind": "jacobian", "outputs": list(doc.calls[0].outputs),
                                 "inputs": list(doc.calls[0].inputs), "tuple_inputs": True,
                                 "tuple_outputs": True}
    back = fileformat.load(path)
    assert back.calls == doc.calls
    a, b = run(doc).calls[0].jacobian, run(back).calls[0].jacobian
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_a_file_with_a_wrong_jacobian_field_is_refused_by_name() -> None:
    doc = import_snippet(SNIPPETS["def_on_a_constant"])
    data = fileformat.to_dict(doc)
    data["calls"][0]["seeds"] = [None]
    with pytest.raises(fileformat.FileFormatError, match="a jacobian call has no 'seeds'"):
        fileformat.from_dict(data)
    data["calls"][0].pop("seeds")
    data["calls"][0]["tuple_inputs"] = "yes"
    with pytest.raises(fileformat.FileFormatError, match="tuple_inputs"):
        fileformat.from_dict(data)


@pytest.mark.parametrize("name", list(SNIPPETS))
def test_generated_code_gives_torchs_j_and_reads_back_the_same(name: str) -> None:
    doc = import_snippet(SNIPPETS[name])
    code = generate(doc)
    assert "torch.autograd.functional.jacobian(f_" in code
    (theirs,) = in_subprocess([code])
    assert theirs["error"] is None, theirs
    assert agrees(engine_side(code), theirs) is None
    ours = [c.jacobian for c in run(doc).calls if c.kind == JACOBIAN]
    assert len(ours) == len(theirs["jacobians"])
    again = import_snippet(code)
    assert generate(again) == code
    assert len(again) == len(doc)  # f's nodes were written inside f only, not twice


def test_refusals_and_torchs_own_errors() -> None:
    with pytest.raises(ImportError_, match="create_graph=True is not supported"):
        import_snippet(H + "x = torch.ones(2)\nh = torch.autograd.functional.hessian("
                           "lambda a: a.sum(), x, create_graph=True)\n")
    with pytest.raises(ImportError_, match="strict=True is not supported"):
        import_snippet(H + "J = jacobian(lambda a: a * 2, torch.ones(2), strict=True)\n")
    with pytest.raises(TorchRaised) as raised:
        import_snippet(H + "x = torch.ones(2)\nJ = jacobian(lambda a: a * 2, [x])\n")
    assert raised.value.error_type == "TypeError" and "tuple of Tensors" in \
        raised.value.torch_message
    # J is a tensor without a graph, as torch returns it: a backward of what is computed
    # from it alone is torch's own error
    code = H + "x = torch.ones(2)\nJ = jacobian(lambda a: a * 2, x)\nv = J @ torch.ones(2)\n" \
        "v.sum().backward()\n"
    (theirs,) = in_subprocess([code])
    assert "does not require grad" in theirs["error"]["message"]
    assert agrees(engine_side(code), theirs) is None
    # a value computed from J and only displayed (a check against a hand-made J) is read
    import_snippet(H + "x = torch.ones(2)\nJ = jacobian(lambda a: a * 2, x)\n"
                       "gap = (J - 2 * torch.eye(2)).abs().max()\nprint(gap)\n")


def test_an_integer_input_raises_torchs_error_at_the_call() -> None:
    code = H + "J = jacobian(lambda a: a.exp(), torch.tensor([1, 2]))\n"
    ours = engine_side(code)
    (theirs,) = in_subprocess([code])
    assert theirs["error"] is not None
    assert (ours["error"]["type"], ours["error"]["message"]) == \
        (theirs["error"]["type"], theirs["error"]["message"])
    assert ours["error"]["call"] == 1


def test_the_step_list_says_calmly_that_a_jacobian_call_has_no_replay() -> None:
    doc = import_snippet(SNIPPETS["leaf_requiring_grad_then_backward"])
    lines = [r.text for r in rows(Replay(run(doc)))]
    assert sum("no steps: torch.autograd.functional.jacobian" in t for t in lines) == 2


def test_the_call_is_checked_and_dropping_an_input_leaves_a_runnable_program() -> None:
    doc = import_snippet(SNIPPETS["tuple_of_inputs"])
    names = {n.name: n.id for n in doc.nodes()}
    with pytest.raises(CallError, match="tuple"):
        check_call(jacobian([names["add"]], [names["x"], names["y"]], tuple_inputs=False),
                   lambda i: doc.node(i).op if i in doc.graph else None)
    doc.remove_node(names["x"])
    result = run(doc)  # the call lost an input and its output's operand: no crash
    assert result.calls[0].ran


def test_close_compares_nested_j() -> None:
    assert close([[1.0, [2.0]]], [[1.0, [2.0000001]]])
    assert not close([[1.0, [2.0]]], [[1.0, [2.1]]])


def test_the_web_page_heads_the_jacobian_call_and_says_it_has_no_steps(tmp_path: Path) -> None:
    from engine.webpage.cli import export

    snippet = tmp_path / "j.py"
    snippet.write_text(SNIPPETS["leaf_requiring_grad_then_backward"], encoding="utf-8")
    out = tmp_path / "j.html"
    assert export(str(snippet), out, []) == 0
    page = out.read_text(encoding="utf-8")
    assert page.count("call 1: torch.autograd.functional.jacobian(lambda w, x: mul, (w, x))") \
        >= 1
    assert "no steps: torch.autograd.functional.jacobian works on copies" in page
    assert "lens" not in page.lower()  # the page has no Jacobian lens to send a reader to


def test_code_of_a_jacobian_call_on_nodes_the_graph_shares_recomputes_them_inside_f() -> None:
    """A jacobian call made in the app on the marked output: f must compute the output from
    its parameter (torch differentiates f's own computation), so the shared nodes are
    computed again inside f under local names; the code then reads back to a stable text."""
    from engine.examples import example_path

    doc = fileformat.load(example_path())  # loss = x * x, x = [2, 3], backward on loss
    x, loss = doc.node_by_name("x").id, doc.node_by_name("loss").id
    doc.add_call(jacobian([loss], [x]))
    ours = run(doc).calls[-1].jacobian[(loss, x)]
    code = generate(doc)
    assert "loss_in_f = x * x" in code
    (theirs,) = in_subprocess([code])
    assert theirs["error"] is None
    assert theirs["jacobians"] == [ours.tolist()] == [[[4.0, 0.0], [0.0, 6.0]]]
    assert theirs["grads"] == {"x": [4.0, 3.0]}  # the backward's, untouched by jacobian
    again = generate(import_snippet(code))
    assert generate(import_snippet(again)) == again


def test_cli_refuses_a_gradient_for_a_jacobian_call(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    from engine.cli import main

    path = tmp_path / "j.py"
    path.write_text(SNIPPETS["def_on_a_constant"], encoding="utf-8")
    assert main(["compute", str(path), "--gradient", "1:add=[1, 1, 1]", "--json"]) == 2
    error = json.loads(capsys.readouterr().out)["error"]
    assert error["message"].endswith("call 1 is a jacobian call; it takes no gradient")


def test_explain_gives_a_jacobian_calls_outputs_no_seed() -> None:
    from engine.explain import explain

    doc = import_snippet(SNIPPETS["def_on_a_constant"])
    result = run(doc)
    (out,) = doc.calls[0].outputs
    texts = [line.text for line in explain(doc, result.at_call(0), out)]
    assert not any("seed" in t for t in texts), texts
    assert "no gradient reached this node" in texts
