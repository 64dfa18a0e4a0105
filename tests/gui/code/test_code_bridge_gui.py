"""File → Import PyTorch code… and the Code panel."""

from __future__ import annotations

import pytest

from gui.code.import_dialog import ImportDialog, import_code

ARTICLE_3 = """import torch
x = torch.tensor([2.0, 3.0], requires_grad=True)
y = x * x
loss = y
gradient = torch.tensor([1.0, 0.5])
loss.backward(gradient=gradient)
"""


def test_bad_snippet_marks_the_line_and_keeps_the_text(qtbot, tmp_path):
    marker = tmp_path / "MARKER"
    text = f"import torch\nx = torch.ones(2)\nopen({str(marker)!r}, 'w')\n"
    dialog = ImportDialog(text=text)
    qtbot.addWidget(dialog)
    assert not dialog.try_import()
    assert dialog.document is None
    assert dialog.editor.toPlainText() == text
    assert "line 3" in dialog.message.text()
    marks = dialog.editor.extraSelections()
    assert len(marks) == 1 and marks[0].cursor.blockNumber() == 2
    assert not marker.exists()


def test_import_replaces_the_document_and_the_bars_follow(qtbot, window, monkeypatch):
    from engine.snippets.reader import import_snippet

    def accept(self):  # the user pastes the article's Example 3 and presses Import
        self.editor.setPlainText(ARTICLE_3.replace("0.5", "0.25"))
        return 1 if self.try_import() else 0

    monkeypatch.setattr(ImportDialog, "exec", accept)
    with qtbot.waitSignal(window.runner.finished, timeout=30_000):
        assert import_code(window, window.file_actions.open_untitled)
    expected = import_snippet(ARTICLE_3.replace("0.5", "0.25"))
    assert [n.name for n in window.doc.nodes()] == [n.name for n in expected.nodes()]
    assert window.bars_heights() == pytest.approx([4.0, 1.5])  # 2x · v = [4, 6] · [1, 0.25]


def test_code_panel_follows_the_document_and_copies(qtbot, window):
    from PySide6.QtGui import QGuiApplication

    window.code_dock.show()  # written when shown
    panel = window.code_panel
    qtbot.waitUntil(lambda: "backward" in panel.text.toPlainText(), timeout=3000)
    assert "loss.backward(gradient=torch.tensor([1.0, 0.5]))" in panel.text.toPlainText()
    x = window.doc.node_by_name("x")
    window.doc.update_node(x.id, value=[5.0, 7.0])
    qtbot.waitUntil(lambda: "[5.0, 7.0]" in panel.text.toPlainText(), timeout=3000)
    panel.copy()
    assert QGuiApplication.clipboard().text() == panel.text.toPlainText()
