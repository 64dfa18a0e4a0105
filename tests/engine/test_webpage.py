"""The backward replay as a web page: self-contained, the app's steps and numbers, escaped.

Numbers are checked against plain torch computations of the same graphs; the page's own
behaviour in a real browser is in test_webpage_browser.py.
"""

from __future__ import annotations

import math
import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from engine.examples import example_path
from engine.format import preview
from engine.replay import Replay
from engine.run import run
from engine.webpage import replay_page, write_replay_page
from engine.webpage.cli import main as export_main
from engine.webpage.cli import wants_web_export
from tests.engine.helpers import leaf, op
from tests.engine.webpage_helpers import (
    embedded,
    example,
    final_bars,
    torch_linear,
    torch_seed_3,
    track_at,
)

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(p.stem for p in (ROOT / "resources" / "examples").glob("*.json"))


@pytest.mark.parametrize("stem", EXAMPLES)
def test_page_is_self_contained(stem):
    doc = example(stem)
    html = replay_page(doc, run(doc))
    assert not re.search(r"https?://", html), "the page must name no URL"
    assert "<link" not in html and "@import" not in html and "url(http" not in html
    assert not re.search(r"<script[^>]*\ssrc=", html)
    assert not re.search(r"<(img|iframe|object|embed)\b", html)
    assert "default-src 'none'" in html  # the browser refuses any fetch the page might try
    assert len(html.encode()) < 200_000


@pytest.mark.parametrize("stem", EXAMPLES)
def test_steps_are_the_replays(stem):
    doc = example(stem)
    result = run(doc)
    data = embedded(replay_page(doc, result))
    replay = Replay(result)
    assert len(data["steps"]) == len(result.events) + 1 == len(replay) + 1
    assert [s["text"] for s in data["steps"]] == [replay.describe(k)
                                                  for k in range(len(replay) + 1)]
    assert [s["kind"] for s in data["steps"][1:]] == [e.kind for e in result.events]
    # each step's call is the one whose event range (Run.calls) holds the step's event
    expected = [0] * len(data["steps"])
    for call in result.calls:
        for k in range(call.start + 1, call.stop + 1):
            expected[k] = call.index
    assert [s["call"] for s in data["steps"]] == expected
    assert data["calls"] == sorted(set(expected))
    assert len(data["changes"]) == len(data["steps"])


@pytest.mark.parametrize("stem", EXAMPLES)
def test_final_bars_are_the_runs_leaf_grads(stem):
    doc = example(stem)
    result = run(doc)
    bars = final_bars(embedded(replay_page(doc, result)))
    expected = {result.names[i]: g.reshape(-1).tolist()
                for i, g in result.leaf_grads.items() if g is not None}
    assert bars == expected


def test_seed_3_against_plain_torch():
    doc = example("seed_3_tensor_loss_with_gradient")
    data = embedded(replay_page(doc, run(doc)))
    assert final_bars(data) == torch_seed_3() == {"x": [4.0, 3.0]}
    last = len(data["steps"]) - 1
    # before AccumulateGrad x has no .grad: empty bars marked —
    first = [track_at(data, f"bar:{i}", 0) for i in range(2)]
    assert [b["v"] for b in first] == [None, None] and {b["t"] for b in first} == {"—"}
    texts = [track_at(data, f"bar:{i}", last)["t"] for i in range(2)]
    assert texts == ["4", "3"]
    # each of the two edges of x * x carried v * x = [2, 1.5]; the sum at x adds them up
    x = torch.tensor([2.0, 3.0])
    carried = preview(torch.tensor([1.0, 0.5]) * x)
    assert [track_at(data, f"edge:{i}", last) for i in range(2)] == [carried, carried]
    assert track_at(data, "sum:0", last) == f"Σ {carried} + {carried} = [4, 3]"
    assert track_at(data, "card:0", last)[:2] == [".grad [4, 3]", "grad"]
    assert track_at(data, "card:1", 0)[:2] == ["seed [1, 0.5]", "grad"]


def test_linear_layer_against_plain_torch():
    doc = example("tour_07_linear_layer")
    data = embedded(replay_page(doc, run(doc)))
    expected = torch_linear(doc)
    bars = final_bars(data)
    assert bars.keys() == expected.keys()
    for name, values in expected.items():
        assert bars[name] == pytest.approx(values, rel=1e-6)
    assert [b["label"] for b in data["bars"]] == [
        "W[0,0]", "W[0,1]", "W[0,2]", "W[1,0]", "W[1,1]", "W[1,2]", "b[0]", "b[1]"]
    last = len(data["steps"]) - 1
    colours = [track_at(data, f"bar:{i}", last)["c"] for i in range(len(data["bars"]))]
    assert colours == ["pos" if v >= 0 else "neg" for v in expected["W"] + expected["b"]]


def test_bars_grow_step_by_step_as_accumulate_grad_writes_them():
    doc = example("tour_07_linear_layer")
    result = run(doc)
    data = embedded(replay_page(doc, result))
    replay = Replay(result)
    for k in range(len(data["steps"])):
        for i, bar in enumerate(data["bars"]):
            leaf_id = next(n for n, name in result.names.items() if name == bar["leaf"])
            now = replay.leaf_grad_at(leaf_id, k)
            shown = track_at(data, f"bar:{i}", k)["v"]
            index = int(i if bar["leaf"] == "W" else i - 6)
            assert shown == (None if now is None else float(now.reshape(-1)[index]))


def test_non_finite_grads_are_marked_not_dropped(tmp_path):
    from engine.document import Document

    doc = Document()
    x = leaf(doc, "x", [0.0, 4.0], dtype="float32")
    root = op(doc, "sqrt", "r", x)
    total = op(doc, "sum", "s", root)
    doc.update_node(total, is_output=True)
    result = run(doc)
    data = embedded(replay_page(doc, result))
    t = torch.tensor([0.0, 4.0], requires_grad=True)
    t.sqrt().sum().backward()
    assert t.grad is not None and math.isinf(t.grad[0])
    assert final_bars(data)["x"] == ["inf", pytest.approx(float(t.grad[1]))]
    last = len(data["steps"]) - 1
    assert track_at(data, "bar:0", last)["c"] == "bad"
    assert track_at(data, "bar:0", last)["t"] == "⚠ inf"


HOSTILE = '</script><script>window.pwned = 1</script><!-- & "quotes" \u2028 {{DATA}}'


def test_user_strings_cannot_break_out(tmp_path):
    doc = example("seed_3_tensor_loss_with_gradient")
    doc.title = HOSTILE
    doc.description = "<img src=x onerror=alert(1)>\n\nSecond & last </style> paragraph"
    html = replay_page(doc, run(doc))
    assert html.count("</script>") == 2  # the data block's end and the script's end
    assert "<script>window.pwned" not in html and "<img" not in html
    assert "</style> paragraph" not in html
    assert embedded(html)["title"] == HOSTILE  # one data block: "{{DATA}}" stayed text
    assert "<title>&lt;/script&gt;" in html and html.count("{{DATA}}") == 3  # title, h1, JSON
    assert "&lt;/script&gt;&lt;script&gt;window.pwned = 1" in html  # the visible heading


def test_cli_writes_the_page_without_qt(tmp_path):
    out = tmp_path / "replay.html"
    code = (
        "import sys\n"
        "from gui.app import main\n"
        f"rc = main(['export', {str(example_path('seed_3_tensor_loss_with_gradient'))!r}, "
        f"'-o', {str(out)!r}, '--gradient', '[1, 1]'])\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph')]\n"
        "print(rc, bad)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert done.stdout.strip().endswith("0 []"), done.stdout + done.stderr
    x = torch.tensor([2.0, 3.0], requires_grad=True)
    (x * x).backward(gradient=torch.ones(2))  # --gradient [1, 1] replaced the file's v
    data = embedded(out.read_text(encoding="utf-8"))
    assert final_bars(data) == {"x": x.grad.tolist()} == {"x": [4.0, 6.0]}
    assert data["steps"][0]["text"] == "backward() called; seed loss ← [1, 1]"


def test_cli_refuses_bad_input_and_keeps_torchs_error(tmp_path, capsys):
    assert wants_web_export(["f.json", "-o", "r.HTML"])
    assert wants_web_export(["f.json", "--output=r.html"])
    assert not wants_web_export(["f.json", "-o", "r.png"])
    missing = tmp_path / "nowhere" / "r.html"
    assert export_main([str(example_path("seed_1_scalar_loss")), "-o", str(missing)]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert export_main([str(tmp_path / "absent.json"), "-o", str(tmp_path / "r.html")]) == 2
    assert export_main([str(example_path("seed_1_scalar_loss")), "-o",
                        str(tmp_path / "r.html"), "--gradient", "[1, 2"]) == 2
    assert not (tmp_path / "r.html").exists()
    # a tensor loss with no gradient: torch's own words, and the page is still written
    out = tmp_path / "fails.html"
    assert export_main([str(example_path("seed_2_tensor_loss_no_gradient")), "-o",
                        str(out)]) == 1
    message = "grad can be implicitly created only for scalar outputs"
    assert message in capsys.readouterr().err
    assert message in out.read_text(encoding="utf-8")


def test_write_replay_page_is_what_the_menu_calls(tmp_path):
    doc = example("tour_05_fan_out")
    result = run(doc)
    path = write_replay_page(doc, result, tmp_path / "fan.html")
    assert path.read_text(encoding="utf-8") == replay_page(doc, result)


def test_a_forward_error_is_marked_with_torchs_words():
    from engine.document import Document

    doc = Document()
    a = leaf(doc, "a", [1.0, 2.0])
    b = leaf(doc, "b", [1.0, 2.0, 3.0])
    product = op(doc, "mul", "p", a, b)
    doc.update_node(product, is_output=True)
    result = run(doc)
    with pytest.raises(RuntimeError) as raised:
        torch.tensor([1.0, 2.0]) * torch.tensor([1.0, 2.0, 3.0])
    html = replay_page(doc, result)
    assert str(raised.value) in html
    assert re.search(r"<g class=\"node output( dim)? error\" id=\"n-2\"", html)
    assert "forward failed" in html

