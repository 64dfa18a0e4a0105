"""The web page of a document with several calls: each step's call, a heading per call in
the app's words, zero_grad steps, torch's error at the call that raised it, the seed tag of
each call, and bars that follow .grad from call to call. Numbers are checked against plain
torch making the same calls (tests/engine/plain_calls.py)."""

from __future__ import annotations

import pytest
import torch

from engine import calls
from engine.format import preview
from engine.replay import Replay
from engine.replay_view import chart_values
from engine.run import run
from engine.snippets.codegen import call_code
from engine.trace import ZERO_GRAD
from engine.webpage import replay_page
from tests.engine.plain_calls import run_program
from tests.engine.test_lens_calls import two_seeds
from tests.engine.webpage_helpers import embedded, example, track_at


def page_data(doc):
    """The document, its run, and what the page for that run embeds."""
    result = run(doc)
    return doc, result, embedded(replay_page(doc, result))


TOURS = ["tour_11_accumulate_then_zero_grad", "tour_12_retain_graph_error",
         "tour_13_grad_vs_backward"]


def bars_at(data: dict, names: dict[str, str], step: int) -> dict[str, list]:
    out: dict[str, list] = {}
    for i, bar in enumerate(data["bars"]):
        out.setdefault(bar["leaf"], []).append(track_at(data, f"bar:{i}", step)["v"])
    return out


def torch_bars(grads: dict[str, torch.Tensor | None], names: dict[str, str],
               shown: set[str]) -> dict[str, list]:
    return {names[i]: [None] * 3 if g is None else g.reshape(-1).tolist()
            for i, g in grads.items() if names[i] in shown}


@pytest.mark.parametrize("stem", TOURS)
def test_bars_after_each_call_are_plain_torchs_grad(stem):
    doc, result, data = page_data(example(stem))
    plain = run_program(doc)
    names = result.names
    shown = {b["leaf"] for b in data["bars"]}
    assert shown == {"x"}
    for call, torch_call in zip(result.calls, plain, strict=True):
        # the step after the call's last event (a call with no event: where the last one left)
        assert bars_at(data, names, call.stop) == torch_bars(torch_call.grads, names, shown)


def test_tour_11_accumulates_then_zero_grad_is_a_step():
    doc, result, data = page_data(example("tour_11_accumulate_then_zero_grad"))
    zeroed = [k for k, s in enumerate(data["steps"]) if s["kind"] == ZERO_GRAD]
    assert len(zeroed) == 1 and data["steps"][zeroed[0]]["call"] == 2
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    loss = (x * x).sum()
    loss.backward(retain_graph=True)
    loss.backward(retain_graph=True)
    assert x.grad is not None
    before = x.grad.tolist()  # [4, 8, 12]: the two calls added up
    x.grad.zero_()
    k = zeroed[0]
    assert bars_at(data, result.names, k - 1)["x"] == before
    assert bars_at(data, result.names, k)["x"] == x.grad.tolist() == [0.0, 0.0, 0.0]
    assert "x.grad.zero_()" in data["steps"][k]["text"]
    headings = [r["text"] for r in data["rows"] if r["step"] is None and r["heading"]]
    # the app's step list heads each call in the seed panel's words (call_code)
    assert headings == [f"call {i + 1}: {call_code(doc, i)}" for i in range(4)]
    assert headings[2] == "call 3: x.grad.zero_()" and headings[3] == "call 4: loss.backward()"
    assert data["calls"] == [0, 1, 2, 3]


def test_tour_12_shows_torchs_error_under_the_call_that_raised():
    doc = example("tour_12_retain_graph_error")
    result = run(doc)
    html = replay_page(doc, result)
    data = embedded(html)
    plain = run_program(doc)
    assert plain[0].error is None and plain[1].error is not None
    kind, message = plain[1].error
    errors = [r for r in data["rows"] if r["step"] is None and r["error"]]
    assert [r["error"] for r in errors] == [f"{kind}: {message}"]
    assert message.startswith("Trying to backward through the graph a second time")
    texts = [r.get("text", "") for r in data["rows"]]
    # the error row follows call 2's heading: that is the call that raised
    assert texts.index(next(t for t in texts if t.startswith("call 2:"))) < \
        data["rows"].index(errors[0])
    assert f"✗ {kind}: {message}" in html.replace("&#x27;", "'")
    # call 1's .grad stays: 2x, as plain torch left it
    last = len(data["steps"]) - 1
    assert bars_at(data, result.names, last)["x"] == plain[1].grads["1"].tolist()


def test_tour_13_grad_call_leaves_no_bar_then_backward_writes_it():
    doc, result, data = page_data(example("tour_13_grad_vs_backward"))
    first, second = result.calls
    assert first.kind == calls.GRAD and first.stop > first.start
    assert bars_at(data, result.names, first.stop)["x"] == [None, None, None]
    x = torch.tensor([1.5, -0.5, 0.25], requires_grad=True)
    loss = (x * x).sum()
    (answer,) = torch.autograd.grad(loss, x, retain_graph=True)
    assert x.grad is None
    loss.backward()
    assert bars_at(data, result.names, second.stop)["x"] == x.grad.tolist() == answer.tolist()
    key = next(k for k, n in enumerate(doc.nodes()) if n.name == "loss")
    assert track_at(data, f"seed:{key}", 0) == "call 1: implicit 1 (no grad_outputs=)"
    assert track_at(data, f"seed:{key}", second.stop) == "call 2: bare backward()"


def test_two_seeds_add_up_and_each_call_tags_its_own():
    doc, _, _, y = two_seeds()  # y = x * w: call 1 seeds [1, 0.5, -2], call 2 [3, -1, 0.25]
    _, result, data = page_data(doc)
    xt = torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64, requires_grad=True)
    wt = torch.tensor([0.3, 0.7, -1.1], dtype=torch.float64, requires_grad=True)
    yt = xt * wt
    yt.backward(torch.tensor([1.0, 0.5, -2.0], dtype=torch.float64), retain_graph=True)
    assert xt.grad is not None and wt.grad is not None
    after_one = {"x": xt.grad.tolist(), "w": wt.grad.tolist()}
    yt.backward(torch.tensor([3.0, -1.0, 0.25], dtype=torch.float64))
    first, second = result.calls
    after_two = {"x": xt.grad.tolist(), "w": wt.grad.tolist()}
    for step, expected in ((first.stop, after_one), (second.stop, after_two)):
        shown = bars_at(data, result.names, step)
        assert shown.keys() == expected.keys()
        for name, values in expected.items():
            assert shown[name] == pytest.approx(values, rel=1e-12)
    key = next(k for k, n in enumerate(doc.nodes()) if n.id == y)
    assert track_at(data, f"seed:{key}", first.stop) == "call 1: seed [1, 0.5, -2]"
    assert track_at(data, f"seed:{key}", second.start + 1) == \
        f"call 2: seed {preview(torch.tensor([3.0, -1.0, 0.25]))}"
    # the cards start over at call 2: y's ∇ is call 2's seed, not call 1's
    card = next(k for k, n in enumerate(doc.nodes()) if n.id == y)
    assert track_at(data, f"card:{card}", second.start + 1)[0] == "∇ [3, -1, 0.25]"


@pytest.mark.parametrize("stem", [*TOURS, "tour_07_linear_layer"])
def test_every_steps_bars_are_the_apps(stem):
    """The page and the app's replay chart read the same function at every step."""
    doc, result, data = page_data(example(stem))
    replay = Replay(result)
    for k in range(len(replay) + 1):
        labels, heights = chart_values(replay, k)
        assert [b["label"] for b in data["bars"]] == labels
        assert [track_at(data, f"bar:{i}", k)["v"] for i in range(len(labels))] == heights


def test_chart_title_names_the_leaves():
    doc = example("tour_07_linear_layer")
    html = replay_page(doc, run(doc))
    assert '<text class="charttitle" x="12" y="22">W.grad, b.grad = vᵀJ' in html
    doc = example("tour_11_accumulate_then_zero_grad")
    html = replay_page(doc, run(doc))
    assert '<text class="charttitle" x="12" y="22">x.grad so far in the replay</text>' in html
