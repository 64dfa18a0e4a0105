"""torch raising outside the graph while a snippet is read (an int tensor with requires_grad,
`.item()` on many elements) opens the statements before that line with torch's own words on
the error banner, like every other torch error, as `gradflow compute` reports it; the next
document (another import) starts without it."""

from __future__ import annotations

import pytest
import torch
from test_import_jacobian_gui import import_through_the_menu

INT_LEAF = """import torch
w = torch.tensor([1.0, 2.0], requires_grad=True)
x = torch.tensor([1, 2], requires_grad=True)
y = (w * 2).sum()
"""
ITEM = """import torch
w = torch.tensor([1.0, 2.0], requires_grad=True)
y = w * 3
v = y.item()
"""
FINE = """import torch
a = torch.tensor([1.0, 2.0], requires_grad=True)
(a * a).sum().backward()
"""


def torch_says(code: str) -> tuple[str, str]:
    try:
        exec(code, {})  # the test's own snippet, with plain torch
    except Exception as exc:  # noqa: BLE001 - what the test compares with
        return type(exc).__name__, str(exc)
    raise AssertionError("plain torch raised nothing")


@pytest.mark.parametrize(("code", "line"), [(INT_LEAF, 3), (ITEM, 4)])
def test_torchs_error_outside_the_graph_is_on_the_banner(qtbot, window, monkeypatch, code,
                                                         line):
    kind, message = torch_says(code)
    assert torch.__version__  # plain torch said it above, Gradflow says it below
    import_through_the_menu(qtbot, window, monkeypatch, code)
    assert "w" in [n.name for n in window.doc.nodes()]  # the statements before the line
    banner = window.banner
    assert banner.isVisibleTo(window)
    assert banner.text() == f"{kind} at line {line} of the snippet: {message}"
    # an edit runs the document again: the snippet's error stays with it
    w = window.doc.node_by_name("w")
    with qtbot.waitSignal(window.runner.finished, timeout=30_000):
        window.doc.update_node(w.id, value=[3.0, 4.0])
    assert banner.isVisibleTo(window) and message in banner.text()
    # a new import of a snippet that runs: no banner
    import_through_the_menu(qtbot, window, monkeypatch, FINE)
    assert not banner.isVisibleTo(window)
    assert window.runner.last is not None and window.runner.last.error is None


def test_the_cli_reports_the_same_text_and_line(tmp_path, capsys):
    import json

    from engine.cli import main

    path = tmp_path / "s.py"
    path.write_text(INT_LEAF, encoding="utf-8")
    assert main(["compute", str(path), "--json"]) == 1
    error = json.loads(capsys.readouterr().out)["error"]
    kind, message = torch_says(INT_LEAF)
    assert (error["type"], error["message"], error["line"]) == (kind, message, 3)


def test_export_of_such_a_snippet_draws_the_banner_and_exits_1(qtbot, tmp_path, capsys):
    """`gradflow export snippet.py` (the window offscreen, and the web page) where torch
    raised while the snippet was read: written, exit 1 with torch's words, no traceback."""
    from gui.app import main

    path = tmp_path / "s.py"
    path.write_text(INT_LEAF, encoding="utf-8")
    kind, message = torch_says(INT_LEAF)
    assert main(["export", str(path), "-o", str(tmp_path / "w.png"), "--view", "window"]) == 1
    assert (tmp_path / "w.png").stat().st_size > 0
    assert f"{kind}: {message}" in capsys.readouterr().err
    assert main(["export", str(path), "-o", str(tmp_path / "w.html")]) == 1
    page = (tmp_path / "w.html").read_text(encoding="utf-8")
    assert message in page and f"{kind}: {message}" in capsys.readouterr().err
