"""`gradflow snippet.py` opens the snippet as File → Import reads it: the graph and torch's
numbers for it, no file to save over (Save asks where: the .py stays the user's code), a
refused snippet in the import dialog with its text and line kept, torch's own error on the
banner, and an unreadable file a message, not a traceback."""

from __future__ import annotations

import pytest
import torch
from PySide6.QtWidgets import QDialog, QMessageBox

from engine.document import Document
from gui.code.import_dialog import ImportDialog
from gui.launch import finish_start, load_start_document
from gui.main_window import MainWindow

SNIPPET = """import torch
x = torch.tensor([2.0, -3.0, 0.5], requires_grad=True)
y = torch.sin(x) * x
y.backward(gradient=torch.tensor([1.0, 0.5, -2.0]))
"""
REFUSED = """import torch
import subprocess
x = torch.ones(2, requires_grad=True)
"""
INT_LEAF = """import torch
x = torch.tensor([1, 2], requires_grad=True)
"""


def start(qtbot, path) -> MainWindow:
    """The app's own start order (gui/launch.py) on `path`."""
    doc, problem = load_start_document(str(path))
    window = MainWindow(doc, panels=False)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    finish_start(window, str(path), problem)
    return window


def test_a_snippet_file_opens_as_its_graph_with_torchs_grads(qtbot, tmp_path):
    path = tmp_path / "snippet.py"
    path.write_text(SNIPPET, encoding="utf-8")
    window = start(qtbot, path)
    qtbot.waitUntil(lambda: window.runner.last is not None and len(window.doc) > 1,
                    timeout=60_000)
    qtbot.waitUntil(lambda: window.runner.last.leaf_grads != {}, timeout=60_000)
    x = torch.tensor([2.0, -3.0, 0.5], requires_grad=True)
    (torch.sin(x) * x).backward(gradient=torch.tensor([1.0, 0.5, -2.0]))
    x_id = window.doc.node_by_name("x").id
    assert window.runner.last.leaf_grads[x_id].tolist() == pytest.approx(x.grad.tolist())
    assert window.file_actions.path is None  # Save asks where: never over the .py
    assert path.read_text(encoding="utf-8") == SNIPPET
    window.discard_quietly()


def test_a_refused_snippet_opens_in_the_import_dialog_with_its_line(qtbot, tmp_path,
                                                                   monkeypatch):
    path = tmp_path / "refused.py"
    path.write_text(REFUSED, encoding="utf-8")
    shown: list[ImportDialog] = []

    def exec_(dialog: ImportDialog) -> int:
        shown.append(dialog)
        return QDialog.DialogCode.Rejected

    monkeypatch.setattr(ImportDialog, "exec", exec_)
    window = start(qtbot, path)
    qtbot.waitUntil(lambda: bool(shown), timeout=60_000)
    dialog = shown[0]
    assert dialog.editor.toPlainText() == REFUSED  # the text kept
    assert "line 2" in dialog.message.text() and "subprocess" in dialog.message.text()
    assert dialog.editor.textCursor().blockNumber() == 1  # the cursor on the refused line
    assert isinstance(window.doc, Document) and len(window.doc) == 0
    window.discard_quietly()


def test_torchs_error_in_a_snippet_file_is_on_the_banner(qtbot, tmp_path):
    path = tmp_path / "int_leaf.py"
    path.write_text(INT_LEAF, encoding="utf-8")
    try:
        torch.tensor([1, 2], requires_grad=True)
    except RuntimeError as exc:
        message = str(exc)
    window = start(qtbot, path)
    qtbot.waitUntil(lambda: window.banner.isVisibleTo(window), timeout=60_000)
    assert window.banner.text() == f"RuntimeError at line 2 of the snippet: {message}"
    window.discard_quietly()


def test_an_unreadable_snippet_file_is_a_message(qtbot, tmp_path, monkeypatch):
    path = tmp_path / "latin1.py"
    path.write_bytes(b"x = '\xe9'\n")
    said: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text: said.append(text))
    window = start(qtbot, path)
    qtbot.waitUntil(lambda: bool(said), timeout=60_000)
    assert said == [f"Could not open {path}: latin1.py is not UTF-8 text (byte 5)"]
    window.discard_quietly()


def test_file_open_reads_a_snippet_as_code(qtbot, window, tmp_path):
    """File → Open on a .py (its filter lists PyTorch code) imports it instead of reading it
    as a graph file; the graph file stays what Save writes."""
    path = tmp_path / "snippet.py"
    path.write_text(SNIPPET, encoding="utf-8")
    with qtbot.waitSignal(window.runner.finished, timeout=30_000):
        assert window.file_actions.open_path(path)
    assert {n.name for n in window.doc.nodes()} >= {"x", "y"}
    assert window.file_actions.path is None
    x = torch.tensor([2.0, -3.0, 0.5], requires_grad=True)
    (torch.sin(x) * x).backward(gradient=torch.tensor([1.0, 0.5, -2.0]))
    assert window.runner.last.leaf_grads[window.doc.node_by_name("x").id].tolist() == \
        pytest.approx(x.grad.tolist())
