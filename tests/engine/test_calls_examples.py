"""The calls examples, the generated code of a program and `gradflow compute` on one, each
checked against plain torch making the same calls."""

from __future__ import annotations

import json

import pytest
import torch
from torch_reference import in_subprocess

from engine import calls
from engine.cli import main
from engine.examples import EXAMPLES_DIR
from engine.fileformat import load, save
from engine.run import run
from engine.snippets.codegen import generate
from tests.engine.test_calls_torch import square_sum

SECOND_TIME = ("Trying to backward through the graph a second time (or directly access saved "
               "tensors after they have already been freed).")


def by_name(result, grads):
    return {result.names[i]: g for i, g in grads.items()}


def test_accumulate_then_zero_grad_example_matches_torch():
    result = run(load(EXAMPLES_DIR / "tour_11_accumulate_then_zero_grad.json"))
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    loss = x.square().sum()
    history = []
    loss.backward(retain_graph=True)
    history.append(x.grad.clone())
    loss.backward(retain_graph=True)
    history.append(x.grad.clone())
    x.grad.zero_()
    history.append(x.grad.clone())
    loss.backward()
    history.append(x.grad.clone())
    assert result.error is None
    got = [by_name(result, c.grads_after)["x"] for c in result.calls]
    assert [g.tolist() for g in got] == [h.tolist() for h in history] == \
        [[2, 4, 6], [4, 8, 12], [0, 0, 0], [2, 4, 6]]


def test_retain_graph_example_shows_torchs_error_at_call_two_and_its_fix():
    doc = load(EXAMPLES_DIR / "tour_12_retain_graph_error.json")
    x = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
    loss = x.square().sum()
    loss.backward()
    with pytest.raises(RuntimeError) as raised:
        loss.backward()
    result = run(doc)
    assert result.error.call == 1 and result.error.message == str(raised.value)
    assert result.error.message.startswith(SECOND_TIME)
    assert by_name(result, result.leaf_grads)["x"].equal(x.grad)  # call 1's grads stay
    # the fix the description names: retain_graph on call 1
    doc.set_options(retain_graph=True)
    fixed = run(doc)
    x.grad = None
    loss = x.square().sum()
    loss.backward(retain_graph=True)
    loss.backward()
    assert fixed.error is None
    assert by_name(fixed, fixed.leaf_grads)["x"].equal(x.grad)
    assert x.grad.tolist() == [2.0, -4.0, 8.0]


def test_grad_vs_backward_example_matches_torch():
    result = run(load(EXAMPLES_DIR / "tour_13_grad_vs_backward.json"))
    x = torch.tensor([1.5, -0.5, 0.25], requires_grad=True)
    loss = x.square().sum()
    (answer,) = torch.autograd.grad(loss, x, retain_graph=True)
    assert x.grad is None
    grad_call, backward_call = result.calls
    assert by_name(result, grad_call.results)["x"].equal(answer)
    assert by_name(result, grad_call.grads_after) == {"x": None}
    loss.backward()
    assert by_name(result, backward_call.grads_after)["x"].equal(x.grad)


def program():
    doc, x, w, loss = square_sum()
    m = doc.node_by_name("m").id
    doc.set_options(retain_graph=True)
    doc.add_call(calls.grad([m, loss], [w, x], [[1.0, -1.0, 0.5], None], retain_graph=True),
                 0)
    doc.add_call(calls.backward([m], [[0.5, 2.0, -1.0]], retain_graph=True, inputs=[w]))
    doc.add_call(calls.zero_grad([x], set_to_none=True))
    doc.add_call(calls.backward([loss]))
    doc.add_call(calls.backward([loss]))  # the graph is freed by now: torch raises
    return doc


def test_generated_code_of_a_program_run_by_torch_gives_the_engines_numbers():
    doc = program()
    code = generate(doc)
    probe = ('\nimport json as _json\nprint("RESULTS", _json.dumps([t.tolist() for t in '
             'grads_1]))\n')
    (torch_side,) = in_subprocess([code + probe])
    result = run(doc)
    assert torch_side["error"] is None  # the generated code catches torch's error itself
    assert f"RuntimeError: {result.error.message}" in torch_side["stdout"]
    assert result.error.call == 5
    final = {k: None if v is None else v.tolist() for k, v in
             by_name(result, result.leaf_grads).items()}
    assert torch_side["grads"] == final
    answers = json.loads(torch_side["stdout"].split("RESULTS ", 1)[1])
    mine = result.calls[0].results
    assert answers == [mine[doc.node_by_name("w").id].tolist(),
                       mine[doc.node_by_name("x").id].tolist()]


def test_compute_json_reports_every_call(tmp_path, capsys):
    doc = program()
    path = tmp_path / "program.json"
    save(doc, path)
    code = main(["compute", str(path), "--json", "--gradient", "5:loss=3.0"])
    data = json.loads(capsys.readouterr().out)
    assert code == 1
    assert [c["kind"] for c in data["calls"]] == ["grad", "backward", "backward", "zero_grad",
                                                  "backward", "backward"]
    assert data["error"]["call"] == 6 and data["calls"][5]["error"]["message"].startswith(
        SECOND_TIME)
    # plain torch, the same calls, with call 5's gradient 3.0 from the command line
    x = torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64, requires_grad=True)
    w = torch.tensor([0.3, 0.7, -1.1], dtype=torch.float64, requires_grad=True)
    m = x * w
    loss = m.square().sum()
    answers = torch.autograd.grad([m, loss], [w, x], [torch.tensor([1.0, -1.0, 0.5]), None],
                                  retain_graph=True)
    assert data["calls"][0]["results"] == {"w": answers[0].tolist(), "x": answers[1].tolist()}
    assert data["calls"][0]["grads"] == {"x": None, "w": None}
    loss.backward(retain_graph=True)
    assert data["calls"][1]["grads"] == {"x": x.grad.tolist(), "w": w.grad.tolist()}
    m.backward(torch.tensor([0.5, 2.0, -1.0]), retain_graph=True, inputs=[w])
    x.grad = None
    assert data["calls"][3]["grads"] == {"x": None, "w": w.grad.tolist()}
    loss.backward(torch.tensor(3.0))
    assert data["calls"][4]["grads"] == data["grads"] == {"x": x.grad.tolist(),
                                                          "w": w.grad.tolist()}


@pytest.mark.parametrize("spec, words", [
    ("9:loss=1.0", "there is no call 9"),
    ("5:m=1.0", "'m' is not an output of call 5 (its outputs: loss)"),
    ("1:x=1.0", "'x' is not an output of call 1"),
    ("4:loss=[1, 2", "--gradient '4:loss=[1, 2'"),
])
def test_gradient_for_a_call_refuses_bad_input_with_exit_2(spec, words, tmp_path, capsys):
    path = tmp_path / "program.json"
    save(program(), path)
    assert main(["compute", str(path), "--json", "--gradient", spec]) == 2
    error = json.loads(capsys.readouterr().out)["error"]  # --json answers in JSON on exit 2
    assert error["type"] == "UsageError" and words in error["message"]


def test_gradient_with_the_first_backward_calls_number_sets_the_marked_seed(tmp_path, capsys):
    path = tmp_path / "program.json"
    save(program(), path)
    main(["compute", str(path), "--json", "--gradient", "2:loss=2.0"])
    data = json.loads(capsys.readouterr().out)
    assert data["outputs"]["loss"]["gradient"] == 2.0
